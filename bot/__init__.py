"""gridbot (网格小助手): routes residents' requests in grid WeChat groups to the right worker."""

__version__ = "0.1.0"
