/* The diagram editor of the process library: bpmn-js's modeler on one BPMN file of the
   newest version, with this project's properties panel (vendor/nbassist-panel) when it
   loaded. The file comes from the download URL in #modeler's data-src; "Save as new
   version" posts the XML with the form's CSRF token, as an upload of that one file, and
   shows the JSON answer in the #editor-status live region: the new version number, or
   the reason it was refused, with the element it is about marked on the canvas. */
(function () {
  "use strict";

  var ERROR_MARKER = "nb-deploy-error";

  function say(status, state, text, link, more) {
    status.textContent = "";
    status.setAttribute("data-state", state);
    status.removeAttribute("data-element");
    status.className = "editor-status" + (state === "error" ? " error-summary" : " notice");
    var p = document.createElement("p");
    p.textContent = text;
    if (more) {
      var next = document.createElement("p");
      next.textContent = more;
      status.appendChild(p);
      p = next;
    }
    if (link) {
      p.appendChild(document.createTextNode(" "));
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      p.appendChild(a);
    }
    status.appendChild(p);
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
  }

  /* The panel's own words in the reader's language, English → translated (the page's
     #panel-words); the panel's translate service looks them up, and keeps English for
     what they lack. */
  function panelWords() {
    var data = document.getElementById("panel-words");
    try {
      return data ? JSON.parse(data.textContent) : {};
    } catch (error) {
      return {};
    }
  }

  /* The modeler with the properties panel, or without it when the panel's bundle is
     missing or fails: drawing and saving never depend on it. */
  function createModeler(container, properties, panelConfig) {
    var panel = window.NbassistPanel;
    if (panel && properties) {
      window.NbassistPanelWords = panelWords();
      try {
        var withPanel = new window.BpmnJS({
          container: container,
          propertiesPanel: { parent: properties, description: panel.descriptions },
          additionalModules: panel.modules,
          nbassist: panelConfig
        });
        return { modeler: withPanel, panel: true };
      } catch (error) {
        container.innerHTML = "";
        properties.innerHTML = "";
      }
    }
    return { modeler: new window.BpmnJS({ container: container }), panel: false };
  }

  /* The preview of the selected task's form, rendered by the server as people see it. */
  function formPreviewer(section, template) {
    if (!section) { return function () {}; }
    var body = section.querySelector(".form-preview-body");
    var wanted = null;
    return function (name) {
      wanted = name;
      if (!name) { section.hidden = true; body.textContent = ""; return; }
      fetch(template.replace("FORM", encodeURIComponent(name)), { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.text();
        })
        .then(function (html) {
          if (wanted !== name) { return; } // another task was selected meanwhile
          body.innerHTML = html;
          body.setAttribute("data-form", name);
          section.hidden = false;
        })
        .catch(function () {
          if (wanted !== name) { return; }
          body.textContent = section.getAttribute("data-failed");
          body.setAttribute("data-form", name);
          section.hidden = false;
        });
    };
  }

  /* The canvas element a deploy error names: the element itself, or the pool that
     draws a process. */
  function canvasElement(modeler, id) {
    if (!id) { return null; }
    var registry = modeler.get("elementRegistry");
    return registry.get(id) || registry.find(function (element) {
      var ref = element.businessObject && element.businessObject.processRef;
      return ref && ref.id === id;
    }) || null;
  }

  function clearErrors(modeler) {
    var canvas = modeler.get("canvas");
    modeler.get("overlays").remove({ type: ERROR_MARKER });
    modeler.get("elementRegistry").forEach(function (element) {
      canvas.removeMarker(element, ERROR_MARKER);
    });
  }

  function markError(modeler, element, message) {
    modeler.get("canvas").addMarker(element, ERROR_MARKER);
    var note = document.createElement("div");
    note.className = "nb-deploy-error-note";
    note.setAttribute("data-testid", "deploy-error-note");
    note.textContent = message;
    modeler.get("overlays").add(element, ERROR_MARKER, {
      position: { bottom: -8, left: 0 },
      html: note
    });
    modeler.get("canvas").scrollToElement(element);
    try { modeler.get("selection").select(element); } catch (ignored) { /* a root */ }
  }

  /* After a save made a version: the heading, the breadcrumb and the back link name it. */
  function showVersion(number, url) {
    document.querySelectorAll("[data-new-version]").forEach(function (node) {
      node.textContent = node.getAttribute("data-new-version").replace("{version}", number);
      if (node.tagName === "A") { node.href = url; }
    });
  }

  function start(container, form, status, library) {
    var button = form.querySelector("button[type=submit]");
    var file = form.getAttribute("data-file");
    var properties = document.getElementById("properties");
    var dirty = false;

    container.innerHTML = "";
    container.setAttribute("data-state", "loading");
    var config = {
      forms: library.forms || {},
      roles: library.roles || [],
      startForm: container.getAttribute("data-start-form") || null,
      showForm: formPreviewer(document.getElementById("form-preview"),
                              container.getAttribute("data-preview"))
    };
    var created = createModeler(container, properties, config);
    var modeler = created.modeler;
    container.bpmnModeler = modeler; // for the browser tests
    if (properties) {
      properties.setAttribute("data-state", created.panel ? "ready" : "missing");
      if (!created.panel) { properties.textContent = properties.getAttribute("data-missing"); }
    }

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

    function refused(body) {
      var text = form.getAttribute("data-invalid") + " " + body.error;
      var element = body.file === file ? canvasElement(modeler, body.element) : null;
      if (element) {
        markError(modeler, element, body.error);
        say(status, "error", text, null, form.getAttribute("data-marked"));
        status.setAttribute("data-element", element.id);
        return;
      }
      if (body.file && body.line) { // not on this drawing: say where it is
        text += " " + form.getAttribute("data-line").replace("{file}", body.file).replace("{line}", body.line);
      }
      say(status, "error", text);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      say(status, "saving", form.getAttribute("data-saving"));
      if (created.panel) { modeler.get("pendingEdits").flush(); } // the last keystrokes
      clearErrors(modeler);
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
              showVersion(version, body.url);
              if (window.history && window.history.replaceState) {
                window.history.replaceState(null, "", body.edit);
              }
            }
            dirty = false;
          } else if (body && body.error) {
            refused(body);
          } else {
            say(status, "error", form.getAttribute("data-failed"));
          }
        })
        .catch(function () { say(status, "error", form.getAttribute("data-failed")); })
        .then(function () { button.disabled = false; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var container = document.getElementById("modeler");
    var form = document.getElementById("editor-form");
    var status = document.getElementById("editor-status");
    if (!container || !form || !status || typeof window.BpmnJS !== "function") { return; }
    // The form library feeds the panel's choices; without it the panel still edits text.
    getJSON(container.getAttribute("data-library"))
      .catch(function () { return {}; })
      .then(function (library) { start(container, form, status, library); });
  });
})();
