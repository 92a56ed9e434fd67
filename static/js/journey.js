/*
 * The end-user journey's small enhancements. Every page works without this file:
 * forms post normally, uploads go with the form, the status page has a refresh link.
 *
 * - Error summary: focused on load, so keyboard and screen-reader users start there.
 * - Uploads: each file goes straight to the private bucket through a presigned POST,
 *   with a progress bar; the server then checks it and we show its refusal, if any.
 *   Large photos are downscaled on a canvas first. If the direct upload cannot be
 *   made, the file stays in the form and is sent with it (the no-JavaScript path).
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

  /* --- Downscaling --------------------------------------------------------------------- */
  function canvasBlob(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }

  function downscale(file, maxSide, maxBytes) {
    var decodable = /^image\/(jpeg|png|webp)$/.test(file.type);
    if (!decodable || file.size < DOWNSCALE_FROM_BYTES || !window.createImageBitmap) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file).then(function (bitmap) {
      var side = Math.max(bitmap.width, bitmap.height);
      if (side <= maxSide && file.size <= maxBytes) { return file; }
      var scale = Math.min(1, maxSide / side);
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff"; // transparent PNG areas become white, not black
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return canvasBlob(canvas, 0.85)
        .then(function (blob) { return blob && blob.size > maxBytes ? canvasBlob(canvas, 0.6) : blob; })
        .then(function (blob) {
          if (!blob) { return file; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          return new File([blob], name, { type: "image/jpeg" });
        });
    }).catch(function () { return file; }); // not decodable here (e.g. HEIC): the server says why
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

  function Slot(form, element) {
    this.form = form;
    this.element = element;
    this.kind = element.getAttribute("data-kind");
    this.inputs = Array.prototype.slice.call(element.querySelectorAll("input[type=file]"));
    this.hidden = element.querySelector("[data-upload-id]");
    this.received = element.querySelector("[data-upload-received]");
    this.error = element.querySelector("[data-upload-error]");
    this.progressBox = element.querySelector("[data-upload-progress]");
    this.progress = this.progressBox.querySelector("progress");
    this.busy = false;
    var slot = this;
    this.inputs.forEach(function (input) {
      input.addEventListener("change", function () {
        if (input.files && input.files[0]) { slot.upload(input, input.files[0]); }
      });
    });
  }

  Slot.prototype.message = function (name) {
    return this.form.getAttribute("data-msg-" + name) || "";
  };

  Slot.prototype.showError = function (text) {
    this.error.textContent = text;
    this.error.hidden = !text;
    this.element.classList.toggle("field--error", Boolean(text));
    this.inputs.forEach(function (input) {
      if (text) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
    });
  };

  Slot.prototype.setProgress = function (percent, label) {
    this.progressBox.hidden = false;
    this.progress.value = percent;
    this.progress.textContent = percent + "%";
    this.received.textContent = label;
  };

  Slot.prototype.clearInputs = function (keep) {
    this.inputs.forEach(function (input) { if (input !== keep) { input.value = ""; } });
  };

  Slot.prototype.upload = function (input, original) {
    var slot = this;
    var maxBytes = parseInt(this.form.getAttribute("data-max-bytes"), 10);
    var maxSide = parseInt(this.form.getAttribute("data-max-side"), 10);
    var previous = this.received.textContent;
    this.busy = true;
    this.element.setAttribute("data-busy", "");
    this.clearInputs(input);
    this.showError("");
    this.setProgress(0, this.message("uploading"));
    return downscale(original, maxSide, maxBytes)
      .then(function (file) {
        if (file.size > maxBytes) { throw { refused: slot.message("too-large") }; }
        return slot.direct(file).catch(function (error) {
          if (error && error.refused) { throw error; }
          slot.fallback(input, file); // the form will carry the file itself
          throw { fallback: true };
        });
      })
      .then(function (answer) {
        slot.hidden.value = String(answer.document);
        slot.received.textContent = "\u2713 " + slot.message("received");
        input.value = "";
      })
      .catch(function (error) {
        if (error && error.fallback) { slot.received.textContent = slot.message("fallback"); return; }
        input.value = "";
        slot.received.textContent = slot.hidden.value ? previous : "";
        slot.showError((error && error.refused) || slot.message("fallback"));
      })
      .then(function () {
        slot.busy = false;
        slot.element.removeAttribute("data-busy");
        slot.progressBox.hidden = true;
      });
  };

  Slot.prototype.direct = function (file) {
    var slot = this;
    var kind = new FormData();
    kind.append("kind", this.kind);
    return postForm(this.form.getAttribute("data-presign-url"), this.form, kind)
      .then(function (presigned) {
        if (!presigned.ok) {
          if (presigned.status === 400 || presigned.status === 409) {
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
        return postForm(url, slot.form, new FormData());
      })
      .then(function (checked) {
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

  function initUploads() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-upload-form]"), function (form) {
      var slots = Array.prototype.map.call(form.querySelectorAll("[data-upload]"), function (element) {
        return new Slot(form, element);
      });
      form.addEventListener("submit", function (event) {
        var busy = slots.filter(function (slot) { return slot.busy; });
        if (busy.length) {
          event.preventDefault();
          busy[0].showError(form.getAttribute("data-msg-wait"));
        }
      });
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
