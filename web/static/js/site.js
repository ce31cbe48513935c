// Small enhancements; every page works without them.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

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
