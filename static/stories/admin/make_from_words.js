/* "Make a claim (or an event) from these words": select words in a saved source's text and open
 * the claim or event form with its first citation already filled in.
 *
 * Offsets are sent as Unicode code points, as the server counts them (Python's str), not as the
 * textarea counts them (UTF-16 units).
 */
(function () {
  "use strict";

  function init() {
    var panel = document.querySelector("[data-make-from-words]");
    if (!panel) return;
    var text = document.querySelector("textarea[name=text]");
    var status = panel.querySelector(".desk-make-status");
    var story = document.querySelector("[name=review_for_story]");
    if (!text) return;

    function points(s) {
      return Array.from(s).length;
    }

    function selection() {
      if (text.value !== text.defaultValue) {
        status.textContent = "Save the source first: the words are cited as they are saved.";
        return null;
      }
      var a = text.selectionStart, b = text.selectionEnd;
      var words = text.value.slice(a, b);
      var trimmedStart = a + (words.length - words.replace(/^\s+/, "").length);
      var trimmedEnd = b - (words.length - words.replace(/\s+$/, "").length);
      if (trimmedEnd <= trimmedStart) {
        status.textContent = "Select the words in the text above first.";
        return null;
      }
      // The server stores LF line breaks; the browser's textarea value uses them too.
      return {
        start: points(text.value.slice(0, trimmedStart)),
        end: points(text.value.slice(0, trimmedEnd)),
      };
    }

    panel.querySelectorAll("button[data-target]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        var picked = selection();
        if (!picked) return;
        var url = button.dataset.target + "?cite_source=" + encodeURIComponent(panel.dataset.source) +
          "&cite_start=" + picked.start + "&cite_end=" + picked.end;
        if (story && story.value) url += "&story=" + encodeURIComponent(story.value);
        window.location.assign(url);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
