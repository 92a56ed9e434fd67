/* The document viewer's picture tools (templates/admin/kyc/verification/_viewer_pane.html):
   zoom and turn each pane's picture, from its buttons or, with the picture focused, from the
   keyboard (+ − R L 0). A file of its own: the Content-Security-Policy runs no inline script. */
(function () {
  "use strict";
  var STEP = 1.25;
  var MIN_ZOOM = 0.5;
  var MAX_ZOOM = 8;
  var KEYS = { "+": "zoom-in", "=": "zoom-in", "-": "zoom-out", r: "rotate-right",
    R: "rotate-right", l: "rotate-left", L: "rotate-left", "0": "reset" };

  function setUp(pane) {
    var image = pane.querySelector("[data-viewer-image]");
    var stage = pane.querySelector("[data-viewer-stage]");
    var frame = pane.querySelector("[data-viewer-frame]");
    var select = pane.querySelector("[data-viewer-select]");
    var state = pane.querySelector("[data-viewer-state]");
    var words = pane.getAttribute("data-state-words") || "{zoom} % · {turn}°";
    var zoom = 1;
    var turn = 0;

    function fitted() {
      // The picture's size at zoom 1: whole in the stage, whichever way it is turned.
      var width = image.naturalWidth || 1;
      var height = image.naturalHeight || 1;
      var sideways = turn % 180 !== 0;
      var scale = Math.min(
        stage.clientWidth / (sideways ? height : width),
        stage.clientHeight / (sideways ? width : height)
      );
      return { width: width * scale, height: height * scale, sideways: sideways };
    }

    function apply() {
      // The frame takes the turned picture's room, so every part of it can be scrolled to;
      // the picture is turned about its centre inside it.
      var size = fitted();
      var width = Math.round(size.width * zoom);
      var height = Math.round(size.height * zoom);
      frame.style.width = (size.sideways ? height : width) + "px";
      frame.style.height = (size.sideways ? width : height) + "px";
      image.style.width = width + "px";
      image.style.height = height + "px";
      image.style.transform = "translate(-50%, -50%) rotate(" + turn + "deg)";
      image.setAttribute("data-zoom", String(zoom));
      image.setAttribute("data-turn", String(turn));
      state.textContent = words
        .replace("{zoom}", String(Math.round(zoom * 100)))
        .replace("{turn}", String(((turn % 360) + 360) % 360));
    }

    function run(action) {
      if (action === "zoom-in") { zoom = Math.min(zoom * STEP, MAX_ZOOM); }
      if (action === "zoom-out") { zoom = Math.max(zoom / STEP, MIN_ZOOM); }
      if (action === "rotate-right") { turn += 90; }
      if (action === "rotate-left") { turn -= 90; }
      if (action === "reset") { zoom = 1; turn = 0; }
      apply();
    }

    pane.querySelectorAll("[data-viewer-action]").forEach(function (button) {
      button.addEventListener("click", function () {
        run(button.getAttribute("data-viewer-action"));
      });
    });
    stage.addEventListener("keydown", function (event) {
      var action = KEYS[event.key];
      if (action && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        run(action);
      }
    });
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      zoom = 1;
      turn = 0;
      image.src = option.value;
      image.alt = option.getAttribute("data-label") || "";
    });
    image.addEventListener("load", apply);
    if (image.complete) { apply(); }
  }

  function start() {
    document.querySelectorAll("[data-viewer-pane]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
