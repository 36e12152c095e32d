// The widget page's behaviour beyond htmx: it tells the embedding page its height, opens event
// details in a modal dialog, and shows the list view on a phone unless the embed code chose.
(function () {
  "use strict";

  var PHONE = "(max-width: 560px)";
  var dialog = document.getElementById("bf-dialog");
  var opener = null;
  // Only the framing page learns the height; browsers without ancestorOrigins get "*", which
  // is harmless because the message holds nothing but a number.
  var ancestors = window.location.ancestorOrigins;
  var parentOrigin = ancestors && ancestors.length ? ancestors[0] : "*";

  function contentHeight() {
    var height = document.body.getBoundingClientRect().height;
    if (dialog && dialog.open) {
      height = Math.max(height, dialog.getBoundingClientRect().bottom + 16);
    }
    return Math.ceil(height);
  }

  function reportHeight() {
    if (window.parent !== window) {
      window.parent.postMessage({ type: "bookfeed:height", height: contentHeight() }, parentOrigin);
    }
  }

  function openDialog(link) {
    opener = link;
    dialog.showModal();
    var top = link ? link.getBoundingClientRect().top - 40 : 16;
    var room = window.innerHeight - dialog.offsetHeight - 16;
    dialog.style.marginTop = Math.max(16, Math.min(top, room)) + "px";
    document.getElementById("bf-dialog-close").focus();
    reportHeight();
  }

  if (dialog) {
    dialog.addEventListener("close", function () {
      if (opener && document.body.contains(opener)) {
        opener.focus();
      }
      opener = null;
      reportHeight();
    });
    dialog.addEventListener("click", function (event) {
      var box = dialog.getBoundingClientRect();
      var outside =
        event.clientX < box.left || event.clientX > box.right ||
        event.clientY < box.top || event.clientY > box.bottom;
      if (event.target === dialog && outside) {
        dialog.close();
      }
    });
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "bf-dialog-content") {
      openDialog(event.detail.requestConfig && event.detail.requestConfig.elt);
      return;
    }
    var body = document.getElementById("bf-body");
    var status = document.getElementById("bf-status");
    if (body && status) {
      status.textContent = body.getAttribute("data-bf-title") || "";
    }
  });

  if (window.ResizeObserver) {
    new ResizeObserver(reportHeight).observe(document.body);
  }
  window.addEventListener("load", reportHeight);
  reportHeight();

  var phoneView = document.body.getAttribute("data-bf-phone-view");
  if (phoneView && window.htmx && window.matchMedia(PHONE).matches) {
    window.htmx.ajax("GET", phoneView, { target: "#bf-body", swap: "outerHTML" });
  }
})();
