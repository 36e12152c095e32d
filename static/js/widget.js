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

  // A month too narrow for titles becomes the list, also when a frame narrows later.
  var phoneView = document.body.getAttribute("data-bf-phone-view");
  var phone = window.matchMedia(PHONE);
  function toList() {
    if (phoneView && window.htmx && phone.matches && document.querySelector(".bf-view-month")) {
      window.htmx.ajax("GET", phoneView, { target: "#bf-body", swap: "outerHTML" });
    }
  }
  toList();
  if (phone.addEventListener) {
    phone.addEventListener("change", toList);
  }

  // ===== Views (issue 12): the month grid as one tab stop, the time grid's now-line =====

  // The month's day links: one in the tab order; arrows, Home and End move between days.
  var STEPS = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };

  function setUpMonth() {
    var month = document.querySelector(".bf-month");
    if (!month) {
      return;
    }
    var current = month.querySelector(".bf-today .bf-daylink") ||
      month.querySelector(".bf-day:not(.bf-outside) .bf-daylink");
    Array.prototype.forEach.call(month.querySelectorAll("a"), function (link) {
      link.tabIndex = link === current ? 0 : -1;
    });
  }

  document.addEventListener("keydown", function (event) {
    var link = event.target;
    var month = link.closest && link.closest(".bf-month");
    if (!month || !link.classList.contains("bf-daylink")) {
      return;
    }
    var days = Array.prototype.slice.call(month.querySelectorAll(".bf-daylink"));
    var index = days.indexOf(link);
    var step = STEPS[event.key];
    if (step !== undefined && Math.abs(step) === 1 && document.documentElement.dir === "rtl") {
      step = -step;
    }
    var target = event.key === "Home" ? index - (index % 7) :
      event.key === "End" ? index - (index % 7) + 6 :
      step === undefined ? -1 : index + step;
    if (target < 0 || target >= days.length) {
      return;
    }
    event.preventDefault();
    link.tabIndex = -1;
    days[target].tabIndex = 0;
    days[target].focus();
  });

  // The now-line: pages are cached, so the server leaves the time to the browser.
  function placeNow() {
    var grid = document.querySelector(".bf-grid");
    var line = grid && grid.querySelector(".bf-now");
    if (!line || !window.Intl) {
      return;
    }
    var parts = {};
    new Intl.DateTimeFormat("en-CA", {
      timeZone: grid.getAttribute("data-bf-zone"), hourCycle: "h23",
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit"
    }).formatToParts(new Date()).forEach(function (part) {
      parts[part.type] = part.value;
    });
    var first = Number(grid.getAttribute("data-bf-first"));
    var last = Number(grid.getAttribute("data-bf-last"));
    var minutes = Number(parts.hour) * 60 + Number(parts.minute) - first * 60;
    var today = parts.year + "-" + parts.month + "-" + parts.day;
    var shown = today === line.getAttribute("data-bf-date") && minutes >= 0 && minutes <= (last - first) * 60;
    line.hidden = !shown;
    if (shown) {
      line.style.top = "calc(" + minutes / 15 + " * var(--bf-q))";
    }
  }

  function setUpView() {
    setUpMonth();
    placeNow();
  }

  document.addEventListener("htmx:afterSettle", setUpView);
  setUpView();
  window.setInterval(placeNow, 60000);
})();
