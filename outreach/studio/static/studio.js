// The studio works without this file; it only makes pages livelier: the guides list filters as
// you type, the editor shows problems while you type (the server judges them, as on save), keeps
// its place across saves and warns before unsaved edits are lost, and
// a build's progress arrives as it happens (Server-Sent Events) instead of by reloading, and a
// section of the bulletin is recorded with the browser's microphone (the one part that needs it).
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
    var dirty = form.hasAttribute("data-unsaved");  // a list button's changes are not in the file yet
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
    var back = /[?&]saved=1/.test(location.search) || form.hasAttribute("data-unsaved");
    if (kept !== null && back && !location.hash.match(/^#f-/)) {
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

  // A phone photo (5-15 MB, stored sideways with an EXIF orientation) is drawn upright onto a canvas
  // at print size before it is sent, so it passes the upload cap and the form's other edits are
  // never lost to a refused upload.
  var PRINT_PIXELS = 2400, UPLOAD_CAP = 10 * 1024 * 1024, SHRINK_FROM = 2 * 1024 * 1024;

  function shrinkPhotos() {
    if (!window.createImageBitmap || !window.DataTransfer) return;
    var form = document.getElementById("doc-form");
    if (!form) return;
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      input.addEventListener("change", function () { shrink(input); });
    });
    form.addEventListener("submit", function (event) {  // the photo is sent once it is small
      if (form.getAttribute("data-busy")) event.preventDefault();
    });
  }

  function shrink(input) {
    var file = input.files[0], note = photoNote(input);
    if (!file || !/^image\/(jpeg|png)$/.test(file.type) || file.size <= SHRINK_FROM) return;
    note.textContent = "Đang thu nhỏ ảnh…";
    input.form.setAttribute("data-busy", "yes");
    createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, PRINT_PIXELS / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) { shrunk(input, file, blob, note); }, "image/jpeg", 0.9);
    }).catch(function () { refusePhoto(input, file, note); });
  }

  function shrunk(input, file, blob, note) {
    input.form.removeAttribute("data-busy");
    if (!blob || blob.size > UPLOAD_CAP) { refusePhoto(input, file, note); return; }
    var name = file.name.replace(/\.[^.]*$/, "") + ".jpg", moved = new DataTransfer();
    moved.items.add(new File([blob], name, { type: "image/jpeg" }));
    input.files = moved.files;
    note.textContent = "Ảnh " + file.name + " đã được thu nhỏ từ " + megabytes(file.size) + " xuống " +
      megabytes(blob.size) + " (đủ nét để in); bấm «Lưu» để gửi.";
  }

  function refusePhoto(input, file, note) {
    input.form.removeAttribute("data-busy");
    input.value = "";
    note.textContent = "Không thu nhỏ được ảnh " + file.name + " (" + megabytes(file.size) + "); hãy chọn ảnh khác. " +
      "Các ô khác của biểu mẫu vẫn giữ nguyên.";
    note.className = "photo-note bad";
  }

  function photoNote(input) {
    var note = input.parentNode.querySelector(".photo-note");
    if (!note) {
      note = document.createElement("p");
      note.className = "photo-note";
      note.setAttribute("role", "status");
      input.parentNode.appendChild(note);
    }
    return note;
  }

  function megabytes(size) {
    return (size / 1024 / 1024).toFixed(1).replace(".", ",") + " MB";
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
        showFilesToSend();
      }
    };
  }


  // Once a guide's build is done, the files to send go at the top (the page as the server now draws it).
  function showFilesToSend() {
    var holder = document.getElementById("to-send");
    if (!holder || !window.fetch || !window.DOMParser) return;
    fetch(location.href, { credentials: "same-origin" }).then(function (answer) { return answer.text(); })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html").getElementById("to-send");
        if (fresh && !fresh.hidden) { holder.innerHTML = fresh.innerHTML; holder.hidden = false; }
      }).catch(function () {});
  }

  // Recording a section: the browser's microphone (MediaRecorder; 127.0.0.1 is a secure context).
  // The take goes to the studio, which keeps it only when it passes the checks a file dropped into
  // content/recordings/ passes, and answers with the section's panel drawn anew.
  var recording = null;  // {panel, recorder}: one take at a time
  var MICROPHONE_TROUBLE = {
    NotAllowedError: "Trình duyệt chưa cho dùng micrô: bấm biểu tượng micrô hoặc ổ khóa ở thanh địa chỉ, chọn " +
      "«Cho phép», rồi bấm «Thu âm» lại.",
    NotFoundError: "Không thấy micrô nào: hãy cắm micrô (hoặc tai nghe có micrô) rồi bấm «Thu âm» lại.",
    NotReadableError: "Micrô đang bị chương trình khác dùng (Zalo, cuộc gọi…): hãy tắt chương trình đó rồi bấm " +
      "«Thu âm» lại."
  };

  function recorders() {
    var able = !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder);
    document.querySelectorAll(".recorder[data-url]").forEach(function (panel) { arm(panel, able); });
    window.addEventListener("beforeunload", function (event) {  // leaving mid-take would lose it
      if (recording) { event.preventDefault(); event.returnValue = ""; }
    });
    var target = location.hash && document.getElementById(location.hash.slice(1));
    var closed = target && target.closest("details:not([open])");
    if (closed) { closed.open = true; target.scrollIntoView(); }
  }

  function arm(panel, able) {
    var record = panel.querySelector("button.record"), stop = panel.querySelector("button.stop");
    var drop = panel.querySelector("form.delete");
    if (drop) {
      drop.addEventListener("submit", function (event) {
        if (!window.confirm("Xóa bản thu của đoạn này? Sau đó máy sẽ đọc đoạn này.")) event.preventDefault();
      });
    }
    if (!record) return;
    if (!able) {
      say(panel, "Trình duyệt này không thu âm được; hãy mở xưởng bằng Chrome hoặc Firefox trên máy có micrô.", true);
      return;
    }
    record.hidden = false;
    record.addEventListener("click", function () { begin(panel); });
    stop.addEventListener("click", function () {
      if (recording && recording.panel === panel) recording.recorder.stop();
    });
  }

  function say(panel, text, bad) {
    var line = panel.querySelector(".take-message");
    line.textContent = text;
    line.className = "take-message" + (bad ? " bad" : "");
  }

  function begin(panel) {
    if (recording) recording.recorder.stop();
    say(panel, "Đang mở micrô…");
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      var wanted = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4"].filter(function (type) {
        return MediaRecorder.isTypeSupported(type);
      })[0];
      var recorder = new MediaRecorder(stream, wanted ? { mimeType: wanted } : {}), chunks = [];
      var record = panel.querySelector("button.record"), stop = panel.querySelector("button.stop");
      var timer = panel.querySelector(".timer"), began = Date.now();
      var longest = parseInt(panel.getAttribute("data-longest"), 10) || 180;
      var tick = setInterval(function () {
        var seconds = Math.floor((Date.now() - began) / 1000);
        timer.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
        if (seconds >= longest) recorder.stop();
      }, 250);
      recording = { panel: panel, recorder: recorder };
      recorder.ondataavailable = function (event) { if (event.data.size) chunks.push(event.data); };
      recorder.onstop = function () {
        clearInterval(tick);
        stream.getTracks().forEach(function (track) { track.stop(); });  // the microphone is let go
        recording = null;
        panel.classList.remove("recording");
        record.hidden = false;
        stop.hidden = true;
        send(panel, new Blob(chunks, { type: recorder.mimeType || wanted || "audio/webm" }));
      };
      recorder.start(1000);
      panel.classList.add("recording");
      record.hidden = true;
      stop.hidden = false;
      stop.focus();
      say(panel, "Đang thu — hãy đọc to đoạn lời ở trên, đọc xong bấm «Dừng và lưu».");
    }, function (error) {
      say(panel, MICROPHONE_TROUBLE[error.name] || "Không mở được micrô (" + error.name + "); hãy kiểm tra micrô đã " +
        "cắm và bật chưa, rồi bấm «Thu âm» lại.", true);
    });
  }

  function send(panel, take) {
    say(panel, "Đang kiểm tra bản thu…");
    var data = new FormData();
    data.append("text", panel.getAttribute("data-text"));
    data.append("take", take, "take");
    fetch(panel.getAttribute("data-url"), { method: "POST", body: data, credentials: "same-origin" })
      .then(function (answer) {
        return answer.json().catch(function () {
          return { ok: false, message: "xưởng trả lời lỗi " + answer.status + "; hãy tải lại trang rồi thu lại" };
        });
      })
      .then(function (result) {
        if (!result.ok) { refused(panel, take, result.message); return; }
        var holder = document.createElement("div");
        holder.innerHTML = result.panel;
        var fresh = holder.firstElementChild;
        panel.replaceWith(fresh);
        arm(fresh, true);
        say(fresh, result.message);
      })
      .catch(function () { refused(panel, take, "không gửi được bản thu; xưởng còn chạy không?"); });
  }

  // A refused take can still be heard, so the officer hears what was wrong with it.
  function refused(panel, take, message) {
    say(panel, "Chưa lưu: " + message, true);
    var heard = panel.querySelector("audio.refused");
    if (!heard) {
      heard = document.createElement("audio");
      heard.className = "refused";
      heard.controls = true;
      panel.querySelector(".take-message").after(heard);
    }
    heard.src = URL.createObjectURL(take);
  }

  document.addEventListener("DOMContentLoaded", function () {
    filterGuides();
    guardEdits();
    checkWhileTyping();
    shrinkPhotos();
    followBuild();
    recorders();
  });
})();
