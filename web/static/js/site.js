// Small enhancements; every page works without them.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");
  try {
    var saved = window.localStorage.getItem("text-size");
    if (saved === "small" || saved === "large") { root.dataset.textSize = saved; }
  } catch (e) { /* storage may be refused */ }

  document.addEventListener("DOMContentLoaded", function () {
    // Phones: the main menu folds behind a button.
    var toggle = document.querySelector(".menu-toggle");
    var menu = document.getElementById("main-menu");
    if (toggle && menu) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-expanded") === "true";
        toggle.setAttribute("aria-expanded", String(!open));
      });
    }

    // Text size: remembered in this browser only (no cookie).
    var sizes = document.querySelector("[data-text-size]");
    if (sizes) {
      sizes.hidden = false;
      var show = function (size) {
        sizes.querySelectorAll("button").forEach(function (button) {
          button.setAttribute("aria-pressed", String(button.dataset.size === size));
        });
      };
      show(root.dataset.textSize || "normal");
      sizes.addEventListener("click", function (event) {
        var button = event.target.closest("button[data-size]");
        if (!button) { return; }
        var size = button.dataset.size;
        if (size === "normal") { delete root.dataset.textSize; } else { root.dataset.textSize = size; }
        try { window.localStorage.setItem("text-size", size); } catch (e) { /* private mode */ }
        show(size);
      });
    }

    // Copy the short link; the field stays selectable without a script.
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var field = document.querySelector(button.dataset.copy);
      var status = button.closest(".short-link").querySelector(".copy-status");
      if (!field || !navigator.clipboard) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(field.value).then(function () {
          status.textContent = button.dataset.copied;
        }, function () {
          field.select();
        });
      });
    });

    // Search suggestions as people type, offered through the field's
    // datalist (the browser shows and announces them as a list).
    document.querySelectorAll("input[data-suggest]").forEach(function (input) {
      var list = document.getElementById(input.getAttribute("list"));
      var timer = null;
      var asked = "";
      if (!list || !window.fetch) { return; }
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          var typed = input.value.trim();
          if (typed.length < 2 || typed === asked) { return; }
          asked = typed;
          var address = input.getAttribute("data-suggest") + "?q=" +
            encodeURIComponent(typed);
          fetch(address, { headers: { Accept: "application/json" } })
            .then(function (response) { return response.ok ? response.json() : null; })
            .then(function (answer) {
              if (!answer || input.value.trim() !== typed) { return; }
              list.textContent = "";
              answer.suggestions.forEach(function (suggestion) {
                var option = document.createElement("option");
                option.value = suggestion.text;
                list.appendChild(option);
              });
            })
            .catch(function () { /* suggestions are only a help */ });
        }, 200);
      });
    });

    // Print buttons (print styles apply either way).
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
