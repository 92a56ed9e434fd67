/*
 * The end-user journey's small enhancements. Every page works without this file:
 * forms post normally, uploads go with the form, the status page has a refresh link.
 *
 * - Error summary: focused on load, so keyboard and screen-reader users start there.
 * - Uploads: a chosen photo is shown as it will be sent (large ones downscaled on a
 *   canvas first) and measured on a small grey copy with the server's own checks and
 *   numbers (kyc/quality.py, given in the #capture-settings json_script): too dark,
 *   blurred, glare, a document not filling the frame. A warning offers "take another"
 *   or "send it anyway", once. Then the file goes straight to the private bucket
 *   through a presigned POST, with a progress bar, and the server checks it and says
 *   what it found. If the direct upload cannot be made, the file stays in the form
 *   and is sent with it (the no-JavaScript path).
 * - Live regions: the status and bank pages poll a small JSON answer and replace
 *   their panel when it changed (the panel is an aria-live region), and the status
 *   page's stepper with it; its "last checked" line (outside the live region, so it is
 *   not read out on every answer) is replaced on every answer.
 * - Bank form: shows only the fields of the chosen kind (account or UPI ID).
 * - Continue on your phone: a copy button for the link, and the photo step following the
 *   photos a phone sends (without JavaScript: Continue takes what arrived).
 */
(function () {
  "use strict";

  var DOWNSCALE_FROM_BYTES = 512 * 1024; // smaller photos are never decoded here

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function postForm(url, form, data) {
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
    }).then(function (response) {
      return response
        .json()
        .catch(function () { return {}; })
        .then(function (body) {
          // A redirect means the session ended (the login page answered): not a success.
          var ok = response.ok && !response.redirected;
          return { ok: ok, status: response.status, body: body };
        });
    });
  }

  /* --- Error summary ------------------------------------------------------------------- */
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  }

  /* --- Capture settings: the server's thresholds and sentences ------------------------- */
  function captureSettings() {
    var element = document.getElementById("capture-settings");
    try { return element ? JSON.parse(element.textContent) : null; } catch (ignored) { return null; }
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function sizeText(settings, bytes) {
    // As kyc/services/documents.py size_text: "850 KB", "10 MB", "14.2 MB".
    if (bytes < 1024 * 1024) {
      return fill(settings.messages.kilobytes, { size: Math.max(1, Math.round(bytes / 1024)) });
    }
    var megabytes = Math.round((bytes / (1024 * 1024)) * 10) / 10;
    return fill(settings.messages.megabytes, { size: megabytes });
  }

  /* --- Decoding and downscaling ------------------------------------------------------- */
  function decode(file) {
    var decodable = /^image\/(jpeg|png|webp)$/.test(file.type);
    if (!decodable || !window.createImageBitmap) { return Promise.resolve(null); }
    return createImageBitmap(file).catch(function () { return null; }); // e.g. HEIC: the server says why
  }

  function canvasBlob(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }

  function paint(bitmap, width, height) {
    var canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    var context = canvas.getContext("2d");
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = "high";
    context.fillStyle = "#fff"; // transparent PNG areas become white, not black (as on the server)
    context.fillRect(0, 0, width, height);
    context.drawImage(bitmap, 0, 0, width, height);
    return canvas;
  }

  function downscale(bitmap, file, maxSide, maxBytes) {
    if (!bitmap || file.size < DOWNSCALE_FROM_BYTES) { return Promise.resolve(file); }
    var side = Math.max(bitmap.width, bitmap.height);
    if (side <= maxSide && file.size <= maxBytes) { return Promise.resolve(file); }
    var scale = Math.min(1, maxSide / side);
    var canvas = paint(bitmap, Math.round(bitmap.width * scale), Math.round(bitmap.height * scale));
    return canvasBlob(canvas, 0.85)
      .then(function (blob) { return blob && blob.size > maxBytes ? canvasBlob(canvas, 0.6) : blob; })
      .then(function (blob) {
        if (!blob) { return file; }
        var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
        return new File([blob], name, { type: "image/jpeg" });
      })
      .catch(function () { return file; });
  }

  /* --- Picture checks: the same measures as kyc/quality.py ---------------------------- */
  function cutIndex(counts, cut) {
    var total = 0;
    for (var i = 0; i < counts.length; i += 1) {
      total += counts[i];
      if (total > cut) { return i; }
    }
    return counts.length - 1;
  }

  function span(counts, trim) {
    var total = counts.reduce(function (a, b) { return a + b; }, 0);
    if (!total) { return 0; }
    var first = cutIndex(counts, total * trim);
    var last = counts.length - 1 - cutIndex(counts.slice().reverse(), total * trim);
    return Math.max(0, last - first + 1);
  }

  function greyCopy(bitmap, side) {
    var scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
    var width = Math.max(3, Math.round(bitmap.width * scale));
    var height = Math.max(3, Math.round(bitmap.height * scale));
    var rgba = paint(bitmap, width, height).getContext("2d").getImageData(0, 0, width, height).data;
    var grey = new Uint8Array(width * height);
    for (var i = 0, j = 0; i < grey.length; i += 1, j += 4) {
      grey[i] = (rgba[j] * 19595 + rgba[j + 1] * 38470 + rgba[j + 2] * 7471 + 0x8000) >> 16; // Pillow's "L"
    }
    return { grey: grey, width: width, height: height };
  }

  function stretched(copy, histogram, cutShare) {
    var cut = copy.grey.length * cutShare;
    var low = cutIndex(histogram, cut);
    var high = 255 - cutIndex(histogram.slice().reverse(), cut);
    if (high <= low) { return copy.grey; }
    var scale = 255 / (high - low);
    var table = new Uint8Array(256);
    for (var v = 0; v < 256; v += 1) { table[v] = Math.min(255, Math.max(0, Math.round((v - low) * scale))); }
    return copy.grey.map(function (value) { return table[value]; });
  }

  function measure(bitmap, framing, limits) {
    var copy = greyCopy(bitmap, limits.side);
    var w = copy.width, h = copy.height, n = copy.grey.length;
    var histogram = new Array(256).fill(0), sum = 0;
    copy.grey.forEach(function (value) { histogram[value] += 1; sum += value; });
    var clipped = histogram.slice(limits.clip_level).reduce(function (a, b) { return a + b; }, 0);
    var values = { brightness: sum / n, glare: clipped / n };
    var grey = stretched(copy, histogram, limits.stretch_cut);
    var columns = new Array(w - 2).fill(0), rows = new Array(h - 2).fill(0);
    var total = 0, total2 = 0;
    for (var y = 1; y < h - 1; y += 1) {
      for (var x = 1; x < w - 1; x += 1) {
        var i = y * w + x;
        var l = 4 * grey[i] - grey[i - 1] - grey[i + 1] - grey[i - w] - grey[i + w];
        l = Math.max(-255, Math.min(255, l)); // as Pillow's two clipped halves
        total += l;
        total2 += l * l;
        if (Math.abs(l) >= limits.edge_level) { columns[x - 1] += 1; rows[y - 1] += 1; }
      }
    }
    var count = (w - 2) * (h - 2);
    values.sharpness = total2 / count - (total / count) * (total / count);
    if (framing) { values.fill = (span(columns, limits.trim) / (w - 2)) * (span(rows, limits.trim) / (h - 2)); }
    return values;
  }

  function warnings(values, limits) {
    var found = [];
    if (values.brightness < limits.min_brightness) { found.push("brightness"); }
    var blurred = values.sharpness < limits.min_sharpness;
    if (blurred) { found.push("sharpness"); }
    if (values.glare > limits.max_glare) { found.push("glare"); }
    if ("fill" in values && !blurred && values.fill < limits.min_fill) { found.push("fill"); }
    return found; // the order of kyc/quality.py CHECKS
  }

  /* --- Uploads ------------------------------------------------------------------------- */
  function sendToBucket(ticket, file, onProgress) {
    return new Promise(function (resolve, reject) {
      var data = new FormData();
      Object.keys(ticket.fields).forEach(function (name) { data.append(name, ticket.fields[name]); });
      data.append("file", file);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", ticket.url);
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) { onProgress(Math.round((event.loaded / event.total) * 100)); }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status >= 200 && xhr.status < 300) { resolve(); } else { reject(new Error("s3 " + xhr.status)); }
      });
      xhr.addEventListener("error", function () { reject(new Error("network")); });
      xhr.send(data);
    });
  }

  function Slot(uploads, element) {
    this.uploads = uploads;
    this.form = uploads.form;
    this.settings = uploads.settings;
    this.element = element;
    this.kind = element.getAttribute("data-kind");
    this.inputs = Array.prototype.slice.call(element.querySelectorAll("input[type=file]"));
    this.camera = element.querySelector("input[type=file][capture]") || this.inputs[0];
    this.hidden = element.querySelector("[data-upload-id]");
    this.received = element.querySelector("[data-upload-received]");
    this.error = element.querySelector("[data-upload-error]");
    this.preview = element.querySelector("[data-upload-preview]");
    this.previewImage = element.querySelector("[data-upload-preview-image]");
    this.previewCaption = element.querySelector("[data-upload-preview-caption]");
    this.previewText = this.previewCaption.textContent;
    this.warning = element.querySelector("[data-upload-warning]");
    this.warningList = element.querySelector("[data-upload-warning-list]");
    this.primaryLabel = element.querySelector("[data-upload-primary-label]");
    this.progressBox = element.querySelector("[data-upload-progress]");
    this.progress = this.progressBox.querySelector("progress");
    this.busy = false;
    this.pending = null; // a measured file that warned, waiting for the person's choice
    var slot = this;
    this.inputs.forEach(function (input) {
      input.addEventListener("change", function () {
        if (input.files && input.files[0]) { slot.choose(input, input.files[0]); }
      });
    });
    Array.prototype.forEach.call(element.querySelectorAll("[data-upload-retake]"), function (button) {
      button.addEventListener("click", function () { slot.retake(); });
    });
    element.querySelector("[data-upload-send-anyway]").addEventListener("click", function () {
      slot.sendAnyway();
    });
  }

  Slot.prototype.message = function (name) { return this.settings.messages[name] || ""; };

  Slot.prototype.showError = function (text) {
    this.error.textContent = text;
    this.error.hidden = !text;
    this.element.classList.toggle("field--error", Boolean(text) || Boolean(this.serverError()));
    this.inputs.forEach(function (input) {
      if (text) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
    });
  };

  Slot.prototype.serverError = function () {
    return this.element.querySelector(".error-message:not([data-upload-error])");
  };

  Slot.prototype.clearServerErrors = function () {
    // The file arrived: the page's earlier errors about this slot are no longer true.
    var own = this.serverError();
    if (own) { own.remove(); }
    this.element.classList.remove("field--error");
    this.uploads.dropSummaryItems(this.inputs.map(function (input) { return input.id; }));
  };

  Slot.prototype.setProgress = function (percent, label) {
    this.progressBox.hidden = false;
    this.progress.value = percent;
    this.progress.textContent = percent + "%";
    this.setReceived(label, false);
  };

  Slot.prototype.setReceived = function (text, warned) {
    this.received.textContent = text;
    this.received.classList.toggle("upload__received--warned", Boolean(warned));
  };

  Slot.prototype.clearInputs = function (keep) {
    this.inputs.forEach(function (input) { if (input !== keep) { input.value = ""; } });
  };

  Slot.prototype.showPreview = function (file, bitmap) {
    if (this.previewUrl) { URL.revokeObjectURL(this.previewUrl); this.previewUrl = null; }
    if (bitmap) {
      this.previewUrl = URL.createObjectURL(file);
      this.previewImage.src = this.previewUrl;
      this.previewImage.hidden = false;
      this.previewCaption.textContent = this.previewText;
    } else {
      this.previewImage.hidden = true;
      this.previewImage.removeAttribute("src");
      this.previewCaption.textContent = fill(this.message("pdfChosen"), { name: file.name });
    }
    this.preview.hidden = false;
  };

  Slot.prototype.clearPreview = function () {
    if (this.previewUrl) { URL.revokeObjectURL(this.previewUrl); this.previewUrl = null; }
    this.previewImage.removeAttribute("src");
    this.preview.hidden = true;
  };

  Slot.prototype.choose = function (input, original) {
    var slot = this;
    var limits = this.settings.quality;
    this.busy = true;
    this.element.setAttribute("data-busy", "");
    this.pending = null;
    this.deciding(false);
    this.clearInputs(input);
    this.showError("");
    this.setReceived(this.message("measuring"), false);
    var bitmap = null;
    return decode(original)
      .then(function (decoded) {
        bitmap = decoded;
        return downscale(bitmap, original, slot.settings.maxSide, slot.settings.maxBytes);
      })
      .then(function (file) {
        slot.showPreview(file, bitmap);
        if (file.size > slot.settings.maxBytes) {
          var sizes = { size: sizeText(slot.settings, file.size), limit: sizeText(slot.settings, slot.settings.maxBytes) };
          slot.refuse(input, fill(slot.message("tooLarge"), sizes));
          return null;
        }
        var found = bitmap ? slot.check(bitmap, limits) : [];
        if (found.length) { slot.warn(input, file, found); return null; }
        return slot.upload(input, file, false);
      })
      .catch(function () {
        slot.fallback(input, original); // something here failed: the form carries the file
        slot.setReceived(slot.message("fallback"), false);
      })
      .then(function () {
        if (bitmap && bitmap.close) { bitmap.close(); }
        slot.busy = false;
        slot.element.removeAttribute("data-busy");
        slot.uploads.update();
      });
  };

  Slot.prototype.check = function (bitmap, limits) {
    try {
      return warnings(measure(bitmap, this.kind !== "selfie", limits), limits);
    } catch (ignored) {
      return []; // the server measures it anyway
    }
  };

  Slot.prototype.warn = function (input, file, found) {
    var slot = this;
    this.pending = { input: input, file: file };
    this.fallback(input, file); // a submit now posts this very file; the server then warns
    this.warningList.textContent = "";
    found.forEach(function (name) {
      var item = document.createElement("li");
      item.textContent = slot.settings.advice[name];
      slot.warningList.appendChild(item);
    });
    this.setReceived("", false);
    this.deciding(true);
    this.busy = false;
    this.element.removeAttribute("data-busy");
    this.uploads.update();
    this.warning.focus();
  };

  Slot.prototype.deciding = function (shown) {
    this.warning.hidden = !shown;
    this.element.classList.toggle("upload--deciding", shown);
  };

  Slot.prototype.sendAnyway = function () {
    if (!this.pending) { return; }
    var pending = this.pending;
    this.pending = null;
    this.deciding(false);
    this.busy = true;
    this.upload(pending.input, pending.file, true);
  };

  Slot.prototype.retake = function () {
    if (this.pending) { this.clearPreview(); }
    this.pending = null;
    this.deciding(false);
    this.clearInputs(null);
    this.camera.click(); // opens the camera (or the file chooser) again
  };

  Slot.prototype.refuse = function (input, text) {
    // What the page shows is what would be sent: a refused file leaves the slot empty.
    input.value = "";
    this.hidden.value = "";
    this.clearPreview();
    this.setReceived("", false);
    this.showError(text);
    this.primaryLabel.textContent = this.primaryText;
  };

  Slot.prototype.upload = function (input, file, sentAnyway) {
    var slot = this;
    this.busy = true;
    this.uploads.update();
    this.setProgress(0, this.message("uploading"));
    return this.direct(file, sentAnyway)
      .then(function (answer) {
        slot.hidden.value = String(answer.document);
        var warned = answer.warnings && answer.warnings.length;
        slot.setReceived((warned ? "! " : "\u2713 ") + answer.message, warned);
        slot.showError("");
        slot.clearServerErrors();
        slot.primaryLabel.textContent = slot.element.getAttribute("data-retake-label");
        input.value = "";
      })
      .catch(function (error) {
        if (error && error.refused) { slot.refuse(input, error.refused); return; }
        slot.fallback(input, file); // the form will carry the file itself
        slot.setReceived(slot.message("fallback"), false);
      })
      .then(function () {
        slot.busy = false;
        slot.element.removeAttribute("data-busy");
        slot.progressBox.hidden = true;
        slot.uploads.update();
      });
  };

  Slot.prototype.direct = function (file, sentAnyway) {
    var slot = this;
    var kind = new FormData();
    kind.append("kind", this.kind);
    kind.append("content_type", file.type || ""); // the upload policy allows this type only
    return postForm(this.form.getAttribute("data-presign-url"), this.form, kind)
      .then(function (presigned) {
        if (!presigned.ok) {
          if (presigned.status === 400 || presigned.status === 409 || presigned.status === 429) {
            throw { refused: presigned.body.message };
          }
          throw new Error("presign " + presigned.status);
        }
        return sendToBucket(presigned.body, file, function (percent) {
          slot.setProgress(percent, slot.message("uploading"));
        }).then(function () { return presigned.body.document; });
      })
      .then(function (documentId) {
        slot.setProgress(100, slot.message("checking"));
        var url = slot.form.getAttribute("data-check-url").replace("/0/", "/" + documentId + "/");
        var answer = new FormData();
        answer.append("sent_anyway", sentAnyway ? "1" : "0");
        return postForm(url, slot.form, answer);
      })
      .then(function (checked) {
        // Too many tries (429): the server's message says how long to wait.
        if (checked.status === 429) { throw { refused: checked.body.message }; }
        if (!checked.ok) { throw new Error("check " + checked.status); }
        if (!checked.body.accepted) { throw { refused: checked.body.message }; }
        return checked.body;
      });
  };

  Slot.prototype.fallback = function (input, file) {
    // Put the (possibly downscaled) file back into the input: the form posts it.
    try {
      var transfer = new DataTransfer();
      transfer.items.add(file);
      input.files = transfer.files;
    } catch (ignored) { /* older browsers keep the original file, which is fine */ }
  };

  function Uploads(form, settings) {
    var uploads = this;
    this.form = form;
    this.settings = settings;
    this.wait = form.querySelector("[data-upload-wait]");
    this.waiting = false;
    form.classList.add("upload--enhanced");
    this.slots = Array.prototype.map.call(form.querySelectorAll("[data-upload]"), function (element) {
      return new Slot(uploads, element);
    });
    this.slots.forEach(function (slot) { slot.primaryText = slot.primaryLabel.textContent; });
    form.addEventListener("submit", function (event) { uploads.submit(event); });
  }

  Uploads.prototype.submit = function (event) {
    var busy = this.slots.filter(function (slot) { return slot.busy; });
    if (busy.length) {
      event.preventDefault();
      this.waiting = true;
      this.wait.textContent = this.settings.messages.wait;
    }
  };

  Uploads.prototype.update = function () {
    // "Please wait" goes once nothing is uploading any more.
    var busy = this.slots.some(function (slot) { return slot.busy; });
    if (!busy && this.waiting) {
      this.waiting = false;
      this.wait.textContent = "";
    }
  };

  Uploads.prototype.dropSummaryItems = function (ids) {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) { return; }
    ids.forEach(function (id) {
      Array.prototype.forEach.call(summary.querySelectorAll('a[href="#' + id + '"]'), function (link) {
        link.parentNode.remove();
      });
    });
    if (!summary.querySelector("li")) { summary.remove(); }
  };

  function initUploads() {
    var settings = captureSettings();
    if (!settings) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("[data-upload-form]"), function (form) {
      return new Uploads(form, settings);
    });
  }

  /* --- Live regions -------------------------------------------------------------------- */
  // A notice about what was just done ("We are sending your correction") is true only until
  // the panel moves on: then the panel says what is true now.
  function dropLiveNotices() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-live-notice]"), function (notice) {
      var list = notice.parentNode;
      list.removeChild(notice);
      if (list && !list.children.length) { list.parentNode.removeChild(list); }
    });
  }

  function replaceIn(selector, html) {
    var target = document.querySelector(selector);
    if (target && typeof html === "string") { target.innerHTML = html; }
  }

  function initLive(element) {
    var url = element.getAttribute("data-live-url");
    var key = element.getAttribute("data-live-key");
    var interval = parseInt(element.getAttribute("data-live-interval"), 10) * 1000 || 3000;
    var delay = interval;
    if (element.hasAttribute("data-live-final")) { return; }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (answer) {
          delay = interval;
          if (answer.key !== key) {
            key = answer.key;
            element.setAttribute("data-live-key", key);
            element.innerHTML = answer.html;
            dropLiveNotices();
            replaceIn("[data-live-steps]", answer.steps);
          }
          replaceIn("[data-live-checked]", answer.checked);
          if (!answer.final) { window.setTimeout(poll, delay); }
        })
        .catch(function () {
          delay = Math.min(delay * 2, 60000); // the server or the network is struggling: back off
          window.setTimeout(poll, delay);
        });
    }
    window.setTimeout(poll, delay);
  }

  /* --- Continue on your phone ----------------------------------------------------------- */
  // The desktop's photo step follows what arrives (from the phone or anywhere): each slot
  // shows it as received; once a phone is connected and every slot is in, the page moves on
  // (the uploads page) or moves focus to the form's button (a fix, which the user sends).
  function initPhoneOffer(panel) {
    var link = panel.querySelector("[data-phone-link]");
    var copy = panel.querySelector("[data-phone-copy]");
    var status = panel.querySelector("[data-phone-status]");
    var form = document.querySelector("[data-upload-form]");
    var interval = parseInt(panel.getAttribute("data-live-interval"), 10) * 1000 || 3000;
    var delay = interval;
    var said = "";
    function say(name) {
      if (said === name) { return; }
      said = name;
      status.textContent = panel.getAttribute("data-msg-" + name) || "";
    }
    if (copy && navigator.clipboard) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        navigator.clipboard.writeText(link.value).then(
          function () { say("copied"); said = ""; },
          function () { link.select(); }
        );
      });
    }
    if (!form || panel.offsetParent === null) { return; } // hidden here: a phone-like screen

    function show(received) {
      Object.keys(received).forEach(function (kind) {
        var slot = form.querySelector('[data-upload][data-kind="' + kind + '"]');
        if (!slot || slot.hasAttribute("data-busy")) { return; }
        var hidden = slot.querySelector("[data-upload-id]");
        if (hidden.value === received[kind]) { return; }
        hidden.value = received[kind];
        slot.querySelector("[data-upload-received]").textContent =
          "\u2713 " + panel.getAttribute("data-msg-received");
      });
    }

    function finish(answer) {
      if (panel.getAttribute("data-page") === "uploads" && answer.next) {
        say("move-on");
        window.setTimeout(function () { window.location.assign(answer.next); }, 1500);
      } else {
        say("stay");
        var button = form.querySelector("button[type=submit]");
        if (button) { button.focus(); }
      }
    }

    function poll() {
      fetch(panel.getAttribute("data-live-url"), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          if (!response.ok || response.redirected) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (answer) {
          delay = interval;
          show(answer.received || {});
          if (answer.connected && answer.done) { finish(answer); return; }
          if (answer.connected) { say("connected"); } else if (answer.expired) { say("expired"); }
          window.setTimeout(poll, delay);
        })
        .catch(function () {
          delay = Math.min(delay * 2, 60000);
          window.setTimeout(poll, delay);
        });
    }
    window.setTimeout(poll, delay);
  }

  /* --- Bank form ----------------------------------------------------------------------- */
  function initBankForm() {
    var form = document.querySelector("[data-bank-form]");
    if (!form) { return; }
    var radios = form.querySelectorAll("input[name=kind]");
    function update() {
      var chosen = form.querySelector("input[name=kind]:checked");
      Array.prototype.forEach.call(form.querySelectorAll("[data-bank-kind]"), function (group) {
        group.hidden = Boolean(chosen) && group.getAttribute("data-bank-kind") !== chosen.value;
      });
    }
    Array.prototype.forEach.call(radios, function (radio) { radio.addEventListener("change", update); });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary();
    initUploads();
    Array.prototype.forEach.call(document.querySelectorAll("[data-live]"), initLive);
    initBankForm();
    Array.prototype.forEach.call(document.querySelectorAll("[data-phone-offer]"), initPhoneOffer);
  });
})();
