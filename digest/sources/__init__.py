"""The sources a user brings, and `digest sources` over them.

    opml.py        OPML subscription lists in (listparser, after a strict XML check) and out (OPML 2.0)
    search.py      a topic as a news-search feed URL (Google News, Bing News)
    discover.py    the feeds a web page advertises, and the usual places a site keeps one
    configfile.py  [[sources]] tables added to and removed from config.toml in place (tomlkit), checked first
    manage.py      list, add, remove, import and export: what the `digest sources` commands call

Nothing here is a stage: config.py reads OPML and news-search sources at load through opml.py and search.py,
and manage.py reaches the network only through pipeline.probe.
"""
