"""What every request detector returns, and the interface the core relies on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence


@dataclass(frozen=True)
class Prediction:
    """The reading of one message.

    `category` is a CONTRACT.md label ("none" for chatter). `abstained` means the detector
    saw a possible request but is not sure enough to ping anyone: the core keeps the
    message for the comprehensive worker's review instead.
    """

    category: str
    confidence: float
    provider: str | None = None
    urgent: bool = False
    keywords: tuple[str, ...] = ()
    location: str | None = None
    abstained: bool = False
    scores: dict[str, float] = field(default_factory=dict, compare=False, repr=False)
    p_request: float | None = field(default=None, compare=False, repr=False)  # the request gate's P(request)

    @property
    def is_request(self) -> bool:
        """A confident request that should be routed."""
        return self.category != "none" and not self.abstained

    def as_json(self, msg_id: object = None) -> dict:
        """The `gridbot classify` output object of CONTRACT.md."""
        return {
            "id": msg_id,
            "category": self.category,
            "confidence": round(self.confidence, 4),
            "provider": self.provider,
            "urgent": self.urgent,
            "keywords": list(self.keywords),
            "location": self.location,
            "abstained": self.abstained,
        }


class Classifier(Protocol):
    """Reads messages; pure (no I/O) once loaded."""

    def predict(self, text: str) -> Prediction: ...

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]: ...
