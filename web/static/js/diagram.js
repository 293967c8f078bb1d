/* The live diagram on the case page: bpmn-js's navigated viewer (pan and zoom, no
   editing) showing the case's own process version, with completed steps and the
   steps under way marked. The data comes from /cases/<id>/diagram as JSON. */
(function () {
  "use strict";

  function load(container, viewer, url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        if (!data.process.drawn) {
          viewer.clear();
          var undrawn = new Error("undrawn");
          undrawn.data = data;
          throw undrawn;
        }
        return viewer.importXML(data.xml).then(function () { return data; });
      })
      .then(function (data) {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        var marked = { completed: [], active: [] };
        data.completed.forEach(function (id) {
          if (registry.get(id)) { canvas.addMarker(id, "nb-completed"); marked.completed.push(id); }
        });
        data.active.forEach(function (id) {
          if (registry.get(id)) { canvas.addMarker(id, "nb-active"); marked.active.push(id); }
        });
        canvas.zoom("fit-viewport", "auto");
        container.setAttribute("data-state", "ready");
        container.setAttribute("data-completed", marked.completed.join(" "));
        container.setAttribute("data-active", marked.active.join(" "));
        container.setAttribute("data-process", data.process.id);
        return data;
      });
  }

  function fillChooser(tools, data, onChange) {
    var select = tools.querySelector("select");
    if (select.options.length === 0) {
      data.processes.forEach(function (p) {
        var option = document.createElement("option");
        option.value = p.id;
        option.textContent = p.name;
        select.appendChild(option);
      });
      select.addEventListener("change", function () { onChange(select.value); });
    }
    select.value = data.process.id;
    tools.hidden = data.processes.length < 2;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var container = document.getElementById("diagram");
    if (!container || typeof window.BpmnJS !== "function") { return; }
    var tools = document.querySelector("[data-diagram-tools]");
    container.innerHTML = "";
    var viewer = new window.BpmnJS({ container: container });
    var base = container.getAttribute("data-src");

    function open(processId) {
      var url = processId ? base + "?process=" + encodeURIComponent(processId) : base;
      container.setAttribute("data-state", "loading");
      load(container, viewer, url)
        .then(function (data) { if (tools) { fillChooser(tools, data, open); } })
        .catch(function (error) {
          var undrawn = error && error.message === "undrawn";
          if (undrawn && tools) { fillChooser(tools, error.data, open); }
          container.setAttribute("data-state", undrawn ? "undrawn" : "error");
          var note = document.createElement("p");
          note.className = "diagram-fallback";
          note.textContent = container.getAttribute(undrawn ? "data-undrawn" : "data-error");
          container.appendChild(note);
        });
    }
    open(null);
  });
})();
