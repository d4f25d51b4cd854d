"""Getting material into the newsroom, in two steps kept apart so each can be tested alone.

1. Parse, with no database: `articles.parse_article()` turns an article file into an `Article`;
   `annotations.parse_annotation()` turns an annotation file into typed entries whose every value
   is checked; `bundles.read_bundle()` checks a story bundle's shape. A fault raises `SeedError` or
   `BundleError` naming the file, the entry and the fault, before any transaction opens.
2. Load, in one transaction, idempotently on natural keys: `seeds.load_seeds()` and
   `bundles.import_bundle()`, both reporting through one `ImportReport` and both honouring
   `dry_run` the same way (`report.atomic_unless_dry_run()`).

Finding quotes, speakers, figures and mentions in the text is `stories.extraction`'s job: pure
functions over strings, used here, by the desk and by the review queue alike.
"""
