/* The diagram editor of the process library: bpmn-js's modeler on one BPMN file of the
   newest version. The file comes from the download URL in #modeler's data-src; "Save as
   new version" posts the XML with the form's CSRF token, as an upload of that one file,
   and shows the JSON answer in the #editor-status live region. */
(function () {
  "use strict";

  function say(status, state, text, link) {
    status.textContent = "";
    status.setAttribute("data-state", state);
    status.className = "editor-status" + (state === "error" ? " error-summary" : " notice");
    var p = document.createElement("p");
    p.textContent = text;
    if (link) {
      p.appendChild(document.createTextNode(" "));
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      p.appendChild(a);
    }
    status.appendChild(p);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var container = document.getElementById("modeler");
    var form = document.getElementById("editor-form");
    var status = document.getElementById("editor-status");
    if (!container || !form || !status || typeof window.BpmnJS !== "function") { return; }
    var button = form.querySelector("button[type=submit]");
    var file = form.getAttribute("data-file");
    var dirty = false;

    container.innerHTML = "";
    container.setAttribute("data-state", "loading");
    var modeler = new window.BpmnJS({ container: container });
    container.bpmnModeler = modeler; // for the browser tests

    fetch(container.getAttribute("data-src"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (xml) { return modeler.importXML(xml); })
      .then(function () {
        modeler.get("canvas").zoom("fit-viewport", "auto");
        modeler.on("commandStack.changed", function () { dirty = true; });
        container.setAttribute("data-state", "ready");
        form.hidden = false;
        button.disabled = false;
      })
      .catch(function () {
        container.setAttribute("data-state", "error");
        say(status, "error", container.getAttribute("data-load-error"));
      });

    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      say(status, "saving", form.getAttribute("data-saving"));
      modeler.saveXML({ format: true })
        .then(function (result) {
          var data = new FormData();
          data.append("csrf_token", form.elements.csrf_token.value);
          data.append("files", new Blob([result.xml], { type: "application/xml" }), file);
          return fetch(form.action, {
            method: "POST",
            body: data,
            credentials: "same-origin",
            headers: { "Accept": "application/json" }
          });
        })
        .then(function (response) {
          return response.json().catch(function () { return null; });
        })
        .then(function (body) {
          if (body && body.ok) {
            var version = String(body.version);
            // A proposal waits for another organisation's approval: say so, not "current".
            var text = form.getAttribute(body.proposed ? "data-proposed"
              : body.created ? "data-created" : "data-unchanged");
            say(status, body.created ? "saved" : "unchanged", text.replace("{version}", version),
                { href: body.url, text: form.getAttribute("data-link").replace("{version}", version) });
            if (body.created) {
              // Further saves go over the version just made (the newest now).
              form.action = body.edit;
              if (window.history && window.history.replaceState) {
                window.history.replaceState(null, "", body.edit);
              }
            }
            dirty = false;
          } else if (body && body.error) {
            say(status, "error", form.getAttribute("data-invalid") + " " + body.error);
          } else {
            say(status, "error", form.getAttribute("data-failed"));
          }
        })
        .catch(function () { say(status, "error", form.getAttribute("data-failed")); })
        .then(function () { button.disabled = false; });
    });
  });
})();
