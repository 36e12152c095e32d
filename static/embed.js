// Bookfeed's widget loader. On any website:
//   <script src="https://HOST/static/embed.js" data-calendar="TOKEN" async></script>
// Optional: data-view (month, week, list), data-date (2026-12-07: the period that holds it),
// data-theme (light, dark, system), data-accent, data-lang, data-compact, data-title. It puts a lazily loaded iframe where the script stands
// and keeps the iframe as tall as the calendar inside it. Several per page work.
(function () {
  "use strict";

  var TOKEN = /^[A-Za-z0-9_-]{24}$/;
  var OPTIONS = ["view", "date", "theme", "accent", "lang", "compact"];
  var PHONE_WIDTH = 560;

  function embed(script) {
    script.setAttribute("data-bookfeed-loaded", "");
    var token = script.getAttribute("data-calendar") || "";
    if (!TOKEN.test(token)) {
      return;
    }
    var origin = new URL(script.src, document.baseURI).origin;
    var host = script.parentNode && script.parentNode !== document.head ? script.parentNode : document.body;
    var params = new URLSearchParams();
    OPTIONS.forEach(function (name) {
      var value = script.getAttribute("data-" + name);
      if (value) {
        params.set(name, value);
      }
    });
    if (!params.has("view") && (host.clientWidth || window.innerWidth) <= PHONE_WIDTH) {
      params.set("view", "list");
    }
    var query = params.toString();

    var frame = document.createElement("iframe");
    frame.src = origin + "/embed/" + token + (query ? "?" + query : "");
    frame.title = script.getAttribute("data-title") || "Calendar";
    frame.loading = "lazy";
    frame.style.display = "block";
    frame.style.width = "100%";
    frame.style.height = "600px";
    frame.style.border = "0";
    if (host === script.parentNode) {
      script.insertAdjacentElement("afterend", frame);
    } else {
      host.appendChild(frame);
    }

    window.addEventListener("message", function (event) {
      if (event.origin !== origin || event.source !== frame.contentWindow) {
        return;
      }
      var data = event.data;
      if (data && data.type === "bookfeed:height" && typeof data.height === "number") {
        frame.style.height = Math.max(100, Math.min(Math.ceil(data.height), 20000)) + "px";
      }
    });
  }

  var scripts = document.currentScript
    ? [document.currentScript]
    : document.querySelectorAll("script[data-calendar]:not([data-bookfeed-loaded])");
  Array.prototype.forEach.call(scripts, function (script) {
    if (!script.hasAttribute("data-bookfeed-loaded") && /\/static\/embed\.js(\?|$)/.test(script.src)) {
      embed(script);
    }
  });
})();
