/* Citation span picker: select words in the source text to set the excerpt and its offsets.
 *
 * Offsets are counted as the server counts them (Unicode code points, like Python's str),
 * not as JavaScript does (UTF-16 units), so a citation after an emoji is still exact.
 */
(function () {
  "use strict";

  function codePoints(text) {
    return Array.from(text).length;
  }

  function init() {
    var picker = document.getElementById("desk-span-picker");
    if (!picker) return;
    var form = picker.closest("form");
    var source = form.querySelector("[name=source]");
    var excerpt = form.querySelector("[name=excerpt]");
    var start = form.querySelector("[name=start]");
    var end = form.querySelector("[name=end]");
    var pre = picker.querySelector(".desk-source-text");
    var status = picker.querySelector(".desk-span-status");
    var urlTemplate = picker.dataset.textUrl;
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
        say("Choose a source, then select the words you are citing.");
        return;
      }
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
          if (mark) mark.scrollIntoView({ block: "center" });
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
      source.addEventListener("change", function () {
        start.value = "";
        end.value = "";
        load();
      });
    }
    load();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
