"""Choosing a row in the admin's autocomplete (select2) in a real browser, as an editor does."""


def choose(page, name: str, typed: str, label: str | None = None) -> None:
    """Open the search box of the select named `name`, type `typed` and click the result that
    reads `label` (or what was typed)."""
    page.locator(f"select[name='{name}'] + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(typed)
    page.locator(".select2-results__option", has_text=label or typed).first.click()
