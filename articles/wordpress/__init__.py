"""Moving a WordPress site in: the export file WordPress's Tools → Export writes
(WXR 1.1 and 1.2), read as a stream and mapped onto sections, authors, tags,
images and articles. Reader comments are imported by `comments.wordpress`,
which this package never imports (comments build on articles, not the other
way round): the import command wires the two together.
"""
