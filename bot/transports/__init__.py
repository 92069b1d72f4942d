"""Transports sit at the edge: console, replay and WeChat (Wechaty). Only they touch their SDKs."""
