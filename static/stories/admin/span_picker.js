/* Citation span picker: select words in the source text to set the excerpt and its offsets.
 *
 * Works on the citation page and on every citation row of a claim's or event's form (rows added
 * with "Add another citation" too). Offsets are counted as the server counts them (Unicode code
 * points, like Python's str), not as JavaScript does (UTF-16 units), so a citation after an emoji
 * is still exact.
 */
(function () {
  "use strict";

  function codePoints(text) {
    return Array.from(text).length;
  }

  function pickerFor(group, excerpt) {
    var picker = group.querySelector(".desk-span-picker");
    if (picker) return picker;
    picker = document.createElement("div");
    picker.className = "desk-span-picker";
    var status = document.createElement("p");
    status.className = "help desk-span-status";
    status.setAttribute("aria-live", "polite");
    var pre = document.createElement("pre");
    pre.className = "desk-source-text";
    pre.tabIndex = 0;
    picker.appendChild(status);
    picker.appendChild(pre);
    var row = excerpt.closest(".form-row") || excerpt.parentNode;
    row.parentNode.insertBefore(picker, row.nextSibling);
    return picker;
  }

  function bind(excerpt) {
    if (excerpt.dataset.spanBound || excerpt.name.indexOf("__prefix__") !== -1) return;
    excerpt.dataset.spanBound = "1";
    var prefix = excerpt.name.slice(0, excerpt.name.length - "excerpt".length);
    var form = excerpt.form;
    var group = excerpt.closest(".inline-related") || form;
    var field = function (name) {
      return form.querySelector('[name="' + prefix + name + '"]');
    };
    var source = field("source");
    var start = field("start");
    var end = field("end");
    var picker = pickerFor(group, excerpt);
    var pre = picker.querySelector(".desk-source-text");
    var status = picker.querySelector(".desk-span-status");
    var urlTemplate = excerpt.dataset.textUrl || picker.dataset.textUrl;
    var text = "";

    function say(message) {
      status.textContent = message;
    }

    function utf16Index(pointIndex) {
      return Array.from(text).slice(0, pointIndex).join("").length;
    }

    function render() {
      pre.textContent = "";
      var from = parseInt(start.value, 10);
      var to = parseInt(end.value, 10);
      if (!isNaN(from) && !isNaN(to) && to > from) {
        var a = utf16Index(from), b = utf16Index(to);
        if (text.slice(a, b) === excerpt.value) {
          pre.appendChild(document.createTextNode(text.slice(0, a)));
          var mark = document.createElement("mark");
          mark.textContent = text.slice(a, b);
          pre.appendChild(mark);
          pre.appendChild(document.createTextNode(text.slice(b)));
          return mark;
        }
      }
      pre.appendChild(document.createTextNode(text));
      return null;
    }

    function load() {
      if (!source || !source.value) {
        text = "";
        pre.textContent = "";
        pre.hidden = true;
        say("Choose a source, then select the words you are citing.");
        return;
      }
      pre.hidden = false;
      say("Loading the source text…");
      fetch(urlTemplate.replace(/\/0\/$/, "/" + encodeURIComponent(source.value) + "/"), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (data) {
          text = data.text;
          var mark = render();
          if (mark) pre.scrollTop = mark.offsetTop - pre.offsetTop - pre.clientHeight / 3;
          say("Select the words you are citing in “" + data.title + "”.");
        })
        .catch(function () {
          say("The source text could not be loaded; type the excerpt exactly instead.");
        });
    }

    function offsetWithin(container, node, offset) {
      var range = document.createRange();
      range.setStart(container, 0);
      range.setEnd(node, offset);
      return range.toString().length;
    }

    function pick() {
      var selection = window.getSelection();
      if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return;
      var range = selection.getRangeAt(0);
      if (!pre.contains(range.startContainer) || !pre.contains(range.endContainer)) return;
      var a = offsetWithin(pre, range.startContainer, range.startOffset);
      var b = offsetWithin(pre, range.endContainer, range.endOffset);
      if (b <= a) return;
      var words = text.slice(a, b);
      excerpt.value = words;
      start.value = codePoints(text.slice(0, a));
      end.value = codePoints(text.slice(0, a)) + codePoints(words);
      render();
      say("Picked characters " + start.value + "–" + end.value + ".");
    }

    pre.addEventListener("mouseup", pick);
    pre.addEventListener("keyup", pick);
    if (source) {
      var chosen = function () {
        start.value = "";
        end.value = "";
        load();
      };
      // The admin's source search (select2) announces a choice as a jQuery event, which
      // addEventListener does not hear; a jQuery handler hears that and the browser's own.
      if (window.django && window.django.jQuery) {
        window.django.jQuery(source).on("change", chosen);
      } else {
        source.addEventListener("change", chosen);
      }
    }
    load();
  }

  function bindAll(root) {
    (root || document).querySelectorAll("textarea.desk-span-excerpt").forEach(bind);
  }

  document.addEventListener("formset:added", function (event) {
    bindAll(event.target);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { bindAll(); });
  } else {
    bindAll();
  }
})();
