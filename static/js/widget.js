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

// Actions (kept apart from the views' behaviour above): the loading state, the subscribe menu
// and its "copy link", and times in the visitor's own time zone.
(function () {
  "use strict";

  // Loading: the region being replaced is aria-busy; the visible bar is CSS on htmx-request.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target) {
      target.setAttribute("aria-busy", "true");
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail.target;
    if (target) {
      target.removeAttribute("aria-busy");
    }
  });

  var menu = document.getElementById("bf-subscribe");
  if (menu) {
    var button = document.getElementById("bf-subscribe-button");
    var list = document.getElementById("bf-subscribe-list");
    var copyItem = document.getElementById("bf-copy-item");
    var copy = document.getElementById("bf-copy");
    var field = document.getElementById("bf-copy-field");
    var input = document.getElementById("bf-copy-input");

    button.setAttribute("role", "button");
    button.setAttribute("aria-haspopup", "menu");
    button.setAttribute("aria-controls", list.id);
    list.setAttribute("role", "menu");
    Array.prototype.forEach.call(list.children, function (item) {
      item.setAttribute("role", "none");
      var action = item.firstElementChild;
      action.setAttribute("role", "menuitem");
      action.setAttribute("tabindex", "-1");
    });
    copyItem.hidden = false;
    field.hidden = true;

    var items = function () {
      return Array.prototype.slice.call(list.querySelectorAll("[role=menuitem]"));
    };
    var sync = function () {
      button.setAttribute("aria-expanded", menu.open ? "true" : "false");
    };
    var close = function (focusButton) {
      menu.open = false;
      sync();
      if (focusButton) {
        button.focus();
      }
    };
    sync();
    // A short page (an empty period) grows to hold the open menu, so the frame fits it too.
    var holdMenu = function () {
      var popup = document.getElementById("bf-subscribe-menu");
      var bottom = popup.getBoundingClientRect().bottom + window.scrollY + 8;
      document.body.style.minHeight = menu.open ? Math.ceil(bottom) + "px" : "";
    };
    menu.addEventListener("toggle", function () {
      sync();
      holdMenu();
      if (menu.open) {
        field.hidden = true;
        items()[0].focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) {
        close(false);
      }
    });
    menu.addEventListener("keydown", function (event) {
      var all = items();
      var at = all.indexOf(document.activeElement);
      var next = {
        ArrowDown: (at + 1) % all.length,
        ArrowUp: (at - 1 + all.length) % all.length,
        Home: 0,
        End: all.length - 1,
      }[event.key];
      if (event.key === "Escape" && menu.open) {
        event.preventDefault();
        close(true);
      } else if (event.key === "Tab" && menu.open && event.target !== input) {
        close(false);
      } else if (next !== undefined && menu.open && at !== -1) {
        event.preventDefault();
        all[next].focus();
      } else if (event.key === "ArrowDown" && event.target === button && !menu.open) {
        event.preventDefault();
        menu.open = true;
      }
    });
    list.addEventListener("click", function (event) {
      if (event.target.closest("a")) {
        close(false);
      }
    });

    // Where the Clipboard API is missing or refused, the link is shown selected to copy by hand.
    var showLink = function () {
      field.hidden = false;
      holdMenu();
      input.focus();
      input.select();
    };
    var label = copy.textContent;
    copy.addEventListener("click", function () {
      if (!navigator.clipboard || !window.isSecureContext) {
        showLink();
        return;
      }
      navigator.clipboard.writeText(input.value).then(function () {
        copy.textContent = copy.getAttribute("data-bf-copied");
        var status = document.getElementById("bf-status");
        if (status) {
          status.textContent = copy.textContent;
        }
        setTimeout(function () {
          copy.textContent = label;
        }, 2000);
      }, showLink);
    });
  }

  // The visitor's own time zone: the server prints the business's times, each in a
  // <time datetime="…+01:00" data-bf-format="time|date|range" [data-bf-end="…"]>.
  var offer = document.getElementById("bf-zone-offer");
  var mine = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
  var theirs = offer && offer.getAttribute("data-bf-zone");
  var clock = function (zone, days) {
    var moment = new Date(Date.now() + days * 864e5);
    var shape = { timeZone: zone, day: "numeric", hour: "numeric", minute: "numeric", hourCycle: "h23" };
    return new Intl.DateTimeFormat("en", shape).format(moment);
  };
  // A zone whose clocks agree with the business's now and in half a year needs no offer.
  if (!offer || !mine || mine === theirs || [0, 182].every(function (days) {
    return clock(mine, days) === clock(theirs, days);
  })) {
    return;
  }
  var toggle = document.getElementById("bf-zone-toggle");
  var converted = false;
  var lang = document.documentElement.lang || undefined;
  var city = function (zone) {
    return zone.split("/").pop().replace(/_/g, " ");
  };
  var formatter = function (kind) {
    var shape = kind === "date"
      ? { weekday: "long", day: "numeric", month: "long", year: "numeric" }
      : { hour: "numeric", minute: "2-digit" };
    shape.timeZone = mine;
    try {
      return new Intl.DateTimeFormat(lang, shape);
    } catch (error) {
      return new Intl.DateTimeFormat(undefined, shape);
    }
  };
  var formats = { date: formatter("date"), time: formatter("time"), range: formatter("range") };
  var inMyZone = function (element) {
    var kind = element.getAttribute("data-bf-format");
    var start = new Date(element.getAttribute("datetime"));
    if (kind === "range") {
      var end = new Date(element.getAttribute("data-bf-end"));
      return formats.range.formatRange
        ? formats.range.formatRange(start, end)
        : formats.range.format(start) + "–" + formats.range.format(end);
    }
    return (formats[kind] || formats.time).format(start);
  };
  var rewrite = function () {
    document.querySelectorAll("time[datetime][data-bf-format]").forEach(function (element) {
      if (!element.hasAttribute("data-bf-printed")) {
        element.setAttribute("data-bf-printed", element.textContent);
      }
      element.textContent = converted ? inMyZone(element) : element.getAttribute("data-bf-printed");
    });
    document.documentElement.classList.toggle("bf-own-zone", converted);
    var text = toggle.getAttribute(converted ? "data-bf-theirs" : "data-bf-mine");
    toggle.textContent = text.replace("{zone}", city(converted ? theirs : mine));
  };
  toggle.addEventListener("click", function () {
    converted = !converted;
    rewrite();
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (converted) {
      rewrite();
    }
  });
  rewrite();
  offer.hidden = false;
})();
