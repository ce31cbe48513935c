// The newsroom's own script: the rich-text editor on article bodies, focus on
// error summaries, a size check on images before they are sent, and a warning
// before unsaved work is lost. Every page works without it: the body field is
// then a plain text area that takes HTML.
(function () {
  "use strict";

  var TOOLBAR = [
    [{ header: 2 }, { header: 3 }],
    ["bold", "italic", "underline"],
    ["link", "blockquote"],
    [{ list: "ordered" }, { list: "bullet" }],
    ["clean"]
  ];

  function focusErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }
  }

  // Quill 2 writes every space of its semantic HTML as &nbsp;; stored text
  // should wrap like any other, so they become plain spaces again.
  function editorHtml(quill) {
    if (!quill.getText().trim() && !quill.root.querySelector("img")) {
      return "";
    }
    return quill.getSemanticHTML().replace(/&nbsp;/g, " ");
  }

  function labelToolbar(holder, labels) {
    var toolbar = holder.querySelector(".ql-toolbar");
    if (!toolbar) {
      return;
    }
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", labels.toolbar || "");
    toolbar.querySelectorAll("button").forEach(function (button) {
      var format = (button.className.match(/ql-([a-z]+)/) || [])[1];
      var key = button.value ? format + "-" + button.value : format;
      var label = labels[key] || labels[format];
      if (format === "header" && label) {
        label = label + " " + button.value;
      }
      if (label) {
        button.setAttribute("aria-label", label);
        button.setAttribute("title", label);
      }
    });
  }

  function richEditor(textarea) {
    if (typeof window.Quill !== "function") {
      return;
    }
    var labels = {};
    try {
      labels = JSON.parse(textarea.getAttribute("data-labels") || "{}");
    } catch (error) {
      labels = {};
    }
    var holder = document.createElement("div");
    holder.className = "rich-editor";
    var area = document.createElement("div");
    holder.appendChild(area);
    textarea.parentNode.insertBefore(holder, textarea);

    var quill = new window.Quill(area, {
      theme: "snow",
      modules: { toolbar: TOOLBAR }
    });
    quill.setContents(quill.clipboard.convert({ html: textarea.value }), "silent");
    textarea.hidden = true;
    if (textarea.closest("fieldset[disabled]")) {
      // Someone else holds the story, or it is no longer the reader's to change.
      quill.disable();
    }

    var editor = quill.root;
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    editor.setAttribute("lang", textarea.getAttribute("lang") || "");
    var label = document.querySelector("label[for='" + textarea.id + "']");
    if (label) {
      label.id = label.id || "label-" + textarea.id;
      editor.setAttribute("aria-labelledby", label.id);
      // The label's click should reach the editor, not the hidden text area.
      label.addEventListener("click", function (event) {
        event.preventDefault();
        quill.focus();
      });
    }
    if (textarea.getAttribute("aria-describedby")) {
      editor.setAttribute("aria-describedby", textarea.getAttribute("aria-describedby"));
    }
    labelToolbar(holder, labels);

    quill.on("text-change", function () {
      textarea.value = editorHtml(quill);
      markDirty();
    });
    textarea.form.addEventListener("submit", function () {
      textarea.value = editorHtml(quill);
    });
  }

  // An image over the limit would make the server refuse the whole form (and
  // with it the article being written), so it is refused here, before sending.
  function checkUploadSize(input) {
    var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
    var file = input.files && input.files[0];
    var tooLarge = Boolean(file && limit && file.size > limit);
    var message = document.getElementById("e-image-size");
    var described = (input.getAttribute("aria-describedby") || "")
      .split(" ")
      .filter(function (id) { return id && id !== "e-image-size"; });
    if (!tooLarge) {
      if (message) {
        message.remove();
        input.removeAttribute("aria-invalid");
        input.setAttribute("aria-describedby", described.join(" "));
      }
      return true;
    }
    if (!message) {
      message = document.createElement("p");
      message.id = "e-image-size";
      message.className = "field-error";
      message.setAttribute("role", "alert");
      input.parentNode.insertBefore(message, input);
    }
    var megabytes = new Intl.NumberFormat(document.documentElement.lang, {
      maximumFractionDigits: 1
    }).format(file.size / 1048576);
    message.textContent = (input.getAttribute("data-too-large") || "")
      .replace("{size}", megabytes);
    input.value = "";
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", described.concat("e-image-size").join(" "));
    return false;
  }

  function watchUploads() {
    document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
      input.addEventListener("change", function () {
        checkUploadSize(input);
      });
      input.form.addEventListener("submit", function (event) {
        if (!checkUploadSize(input)) {
          event.preventDefault();
          input.focus();
        }
      });
    });
  }

  // A warning before leaving a form with unsaved changes.
  var dirty = false;

  function markDirty() {
    dirty = true;
  }

  function watchForms() {
    var form = document.getElementById("article-form");
    if (!form) {
      return;
    }
    form.addEventListener("input", markDirty);
    form.addEventListener("change", markDirty);
    form.addEventListener("submit", function (event) {
      if (!event.defaultPrevented) {
        dirty = false;
      }
    });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  // The edit lock: a heartbeat keeps it while the page is open, and the
  // writer is told at once when someone takes it over. Leaving the page
  // gives it back.
  function csrfData(form) {
    var data = new FormData();
    var token = form.querySelector("input[name='csrf_token']");
    data.append("csrf_token", token ? token.value : "");
    if (form.hasAttribute("data-lease")) {
      data.append("lease", form.getAttribute("data-lease"));
    }
    return data;
  }

  function showLostLock(form, holder) {
    if (document.getElementById("lock-lost")) {
      return;
    }
    var message = document.createElement("p");
    message.id = "lock-lost";
    message.className = "callout callout-warning";
    message.setAttribute("role", "alert");
    message.textContent = (form.getAttribute("data-lost-lock") || "")
      .replace(/\{name\}/g, holder);
    form.insertBefore(message, form.firstChild);
  }

  function keepLock() {
    var form = document.querySelector("form[data-lock]");
    if (!form || !window.fetch) {
      return;
    }
    var url = form.getAttribute("data-lock");
    var seconds = parseInt(form.getAttribute("data-heartbeat"), 10) || 30;
    var timer = window.setInterval(function () {
      fetch(url, { method: "POST", body: csrfData(form), credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (state) {
          if (state && !state.mine) {
            window.clearInterval(timer);
            showLostLock(form, state.holder);
          }
        })
        .catch(function () { /* offline for a moment: try at the next beat */ });
    }, seconds * 1000);
    window.addEventListener("pagehide", function () {
      if (navigator.sendBeacon && !dirty) {
        navigator.sendBeacon(url + "/release", csrfData(form));
      }
    });
  }

  function start() {
    focusErrorSummary();
    document.querySelectorAll("textarea[data-editor='rich']").forEach(richEditor);
    watchUploads();
    watchForms();
    keepLock();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
