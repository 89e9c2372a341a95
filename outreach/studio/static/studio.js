// The studio works without this file; it only makes pages livelier: the guides list filters as
// you type, the editor shows problems while you type (the server judges them, as on save), keeps
// its place across saves and warns before unsaved edits are lost, and
// a build's progress arrives as it happens (Server-Sent Events) instead of by reloading.
(function () {
  "use strict";

  function folded(text) {
    return text.toLowerCase().replace(/đ/g, "d").normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function filterGuides() {
    var box = document.getElementById("search"), table = document.getElementById("guides");
    if (!box || !table) return;
    var count = document.getElementById("count");
    box.addEventListener("input", function () {
      var wanted = folded(box.value.trim()), shown = 0;
      table.querySelectorAll("tbody tr[data-search]").forEach(function (row) {
        var match = !wanted || row.getAttribute("data-search").indexOf(wanted) !== -1;
        row.hidden = !match;
        if (match) shown += 1;
      });
      if (count) count.textContent = shown + " hướng dẫn" + (wanted ? " khớp với «" + box.value.trim() + "»" : "") + ".";
    });
  }

  function guardEdits() {
    var form = document.getElementById("doc-form");
    if (!form) return;
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () {
      dirty = false;
      sessionStorage.setItem("studio-scroll:" + location.pathname, String(window.scrollY));
    });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });
    var kept = sessionStorage.getItem("studio-scroll:" + location.pathname);
    if (kept !== null && /[?&]saved=1/.test(location.search) && !location.hash.match(/^#f-/)) {
      window.scrollTo(0, parseInt(kept, 10) || 0);
    }
    sessionStorage.removeItem("studio-scroll:" + location.pathname);
  }

  // While typing: the problems the values would have once saved, under their fields, as on save.
  function checkWhileTyping() {
    var form = document.getElementById("doc-form"), status = document.getElementById("live-status");
    if (!form || !window.fetch || !window.FormData) return;
    var timer = null, asked = 0;
    function later() { clearTimeout(timer); timer = setTimeout(check, 600); }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    function check() {
      var data = new FormData(form), ticket = ++asked;
      form.querySelectorAll("input[type=file]").forEach(function (input) { data.delete(input.name); });
      data.delete("op");
      fetch(form.getAttribute("action") + "/check", { method: "POST", body: data, credentials: "same-origin" })
        .then(function (answer) { return answer.ok ? answer.json() : null; })
        .then(function (result) { if (result && ticket === asked) show(result); })
        .catch(function () {});
    }
    function show(result) {
      form.querySelectorAll("ul.problems").forEach(function (list) { list.remove(); });
      form.querySelectorAll(".has-problem").forEach(function (box) { box.classList.remove("has-problem"); });
      Object.keys(result.fields).forEach(function (anchor) {
        var box = document.getElementById(anchor), found = result.fields[anchor];
        if (!box) return;
        var list = document.createElement("ul");
        list.className = "problems";
        list.id = anchor + "-problems";
        found.problems.forEach(function (text) { add(list, "error", text); });
        found.warnings.forEach(function (text) { add(list, "warn", "Cảnh báo: " + text); });
        if (found.problems.length) box.classList.add("has-problem");
        var after = box.querySelector(":scope > .help") ||
                    box.querySelector(":scope > label, :scope > legend, :scope > fieldset.choice");
        if (after) after.after(list); else box.prepend(list);
      });
      status.textContent = result.count ? "Chưa lưu — " + result.count + " lỗi" : "Chưa lưu — không có lỗi";
      status.className = "live" + (result.count ? " bad" : "");
    }
    function add(list, kind, text) {
      var item = document.createElement("li");
      item.className = kind;
      item.textContent = text;
      list.appendChild(item);
    }
  }

  function followBuild() {
    var section = document.getElementById("build");
    if (!section || section.getAttribute("data-done") === "yes" || !window.EventSource) return;
    var bar = document.getElementById("build-bar"), state = document.getElementById("build-state");
    var log = document.getElementById("build-log"), problems = document.getElementById("build-problems");
    log.innerHTML = "";
    var source = new EventSource(section.getAttribute("data-events"));
    source.onmessage = function (message) {
      var event = JSON.parse(message.data);
      var item = document.createElement("li");
      item.className = event.kind;
      item.textContent = event.message;
      log.appendChild(item);
      if (event.total) { bar.max = event.total; bar.value = event.done; }
      state.textContent = event.kind === "end" ? event.message
        : "Đang tạo… (" + (event.done || 0) + "/" + (event.total || "?") + ")";
      if (event.kind === "end") {
        source.close();
        bar.value = bar.max;
        (event.problems || []).forEach(function (text) {
          var line = document.createElement("li");
          line.className = "error";
          line.textContent = text;
          problems.appendChild(line);
        });
        section.setAttribute("data-done", "yes");
        document.getElementById("build-next").hidden = false;
      }
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    filterGuides();
    guardEdits();
    checkWhileTyping();
    followBuild();
  });
})();
