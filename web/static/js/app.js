/* Small progressive enhancements; every page works without them. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    // Move focus to an error summary so screen readers and keyboards start there.
    var summary = document.querySelector("[data-autofocus]");
    if (summary) { summary.focus(); }

    // Filters apply as soon as a choice changes (the Show button stays for no-JS use).
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      form.addEventListener("change", function () { form.submit(); });
    });

    // A printable page's Print button (CSP forbids inline handlers).
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });

    // Long lists of checkboxes (languages) get a find box.
    document.querySelectorAll("[data-filterable]").forEach(function (list) {
      var input = document.createElement("input");
      input.type = "search";
      input.className = "choice-filter";
      input.setAttribute("aria-label", list.getAttribute("data-filter-label") || "Find");
      input.placeholder = list.getAttribute("data-filter-label") || "";
      list.parentNode.insertBefore(input, list);
      input.addEventListener("input", function () {
        var needle = input.value.trim().toLowerCase();
        list.querySelectorAll(".choice").forEach(function (choice) {
          var text = choice.textContent.toLowerCase();
          var checked = choice.querySelector("input").checked;
          choice.hidden = needle !== "" && text.indexOf(needle) === -1 && !checked;
        });
      });
      // Chosen entries first, so what is already chosen stays visible.
      var chosen = Array.prototype.filter.call(list.querySelectorAll(".choice"), function (c) {
        return c.querySelector("input").checked;
      });
      chosen.reverse().forEach(function (c) { list.insertBefore(c, list.firstChild); });
    });
  });
})();
