"""Per-server and per-session limits, so that one browser tab cannot starve the server."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Limits:
    """Bounds on what a session may ask for; the defaults suit one person on a laptop."""

    #: Concurrent WebSocket sessions (browser tabs); more are refused with a message.
    max_sessions: int = 8
    #: Hidden layers and neurons per hidden layer (the playground's page stops at 6 x 8).
    max_hidden_layers: int = 12
    max_neurons: int = 32
    #: Training speed a session may request, in epochs per second.
    max_epochs_per_second: float = 2000.0
    #: A session pauses itself once its networks reach this many epochs (bounds the loss
    #: history the server and the page keep: 16 bytes an epoch per network).
    max_epochs: int = 200_000
    #: Activations trained side by side in compare mode (including the main one).
    max_compare: int = 4
    #: Largest text message accepted from the page, in bytes.
    max_message_bytes: int = 16_384
    #: Frames per second the server aims for while playing, and the rate it keeps even at
    #: full training speed (training gets what time frames leave).
    frame_rate: float = 30.0
    min_frame_rate: float = 24.0
    #: Frames sent but not yet acknowledged by the page before the server waits.
    max_frames_in_flight: int = 2
    #: Largest CSV file the page may upload, in bytes (``actlab.data`` checks rows and
    #: columns as for ``actlab train --data``).
    max_csv_bytes: int = 2 * 1024 * 1024

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
