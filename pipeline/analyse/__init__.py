"""Stage 2b: tidy records -> more records. Section 五's statements segmented with jieba (a domain
user dictionary and a stop list kept as data in data/), their terms, keywords by TF-IDF with an IDF
learnt from the statements themselves, and themes from a small taxonomy (data/themes.toml).

May import pipeline.parse's data types; never pipeline.store. Nothing in pipeline.parse imports
this package, so `ogi parse` does not load jieba (about a second for its dictionary).

Import from the modules (segment, terms, idf, keywords, themes): two of them share their
function's name, so the package re-exports nothing.
"""
