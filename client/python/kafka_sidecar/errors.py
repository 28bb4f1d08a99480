"""Exceptions raised by the kafka-sidecar clients.

Three families, because the caller must act differently on each:

* ``ProduceError`` (and subclasses): the daemon answered and said precisely
  what went wrong (Kafka's error name, whether a retry may help, whether the
  record may already be in the log).
* ``DaemonUnavailableError``: the daemon could not be reached; nothing was
  sent, so retrying cannot duplicate.
* ``ConnectionLostError`` / ``ProduceTimeoutError``: the request was sent but
  its answer never came; the outcome is unknown and a retry may duplicate.
"""

from . import sidecar_pb2 as pb

# Short names for the wire enums, e.g. "KAFKA", "NOT_PERSISTED".
_CODE_NAMES = {v: k[len("ERROR_CODE_"):] for k, v in pb.ErrorCode.items()}
_PERSISTENCE_NAMES = {v: k[len("PERSISTENCE_"):] for k, v in pb.Persistence.items()}


class KafkaSidecarError(Exception):
    """Base class of every error this package raises."""

    retriable = False
    persistence = "UNSPECIFIED"


class ProduceError(KafkaSidecarError):
    """The daemon reported an error for a record or a whole request.

    Attributes:
      code: the daemon's error code name ("KAFKA", "INVALID_REQUEST",
        "QUEUE_FULL", "SHUTTING_DOWN", ...).
      kafka_code: Kafka / librdkafka error code (0 unless code == "KAFKA").
      name: symbolic error name, e.g. "MSG_SIZE_TOO_LARGE", "_UNKNOWN_PARTITION".
      message: human readable detail from the daemon.
      retriable: True when retrying the same record later may succeed.
      persistence: "NOT_PERSISTED", "POSSIBLY_PERSISTED", "PERSISTED" or
        "UNSPECIFIED": whether the record may already be in the log.
    """

    def __init__(self, code, name, message, kafka_code=0, retriable=False,
                 persistence="UNSPECIFIED"):
        self.code = code
        self.kafka_code = kafka_code
        self.name = name
        self.message = message
        self.retriable = retriable
        self.persistence = persistence
        super().__init__(self._describe())

    def _describe(self):
        what = self.name or self.code
        if self.code == "KAFKA":
            what = "%s (%d)" % (self.name, self.kafka_code)
        flags = "retriable" if self.retriable else "not retriable"
        return "%s: %s [%s, %s]" % (what, self.message, flags,
                                    self.persistence.lower().replace("_", " "))

    @classmethod
    def from_pb(cls, err):
        """Builds the most specific subclass from a wire ``Error``."""
        code = _CODE_NAMES.get(err.code, "UNSPECIFIED")
        klass = _BY_CODE.get(code, ProduceError)
        return klass(code, err.name, err.message, kafka_code=err.kafka_code,
                     retriable=err.retriable,
                     persistence=_PERSISTENCE_NAMES.get(err.persistence,
                                                        "UNSPECIFIED"))


class KafkaError(ProduceError):
    """Kafka or librdkafka failed the record (see ``name``/``kafka_code``)."""


class InvalidRequestError(ProduceError):
    """The daemon rejected the request as malformed."""


class FrameTooLargeError(ProduceError):
    """The encoded request exceeds the daemon's maximum frame size."""


class NotAllowedError(ProduceError):
    """The daemon's access rules deny this peer or topic."""


class QueueFullError(ProduceError):
    """The daemon's producer queue is full (only with ``fail_fast``)."""


class ShuttingDownError(ProduceError):
    """The daemon is shutting down and could not finish the request."""


class UnsupportedVersionError(ProduceError):
    """No protocol version is acceptable to both client and daemon."""


_BY_CODE = {
    "KAFKA": KafkaError,
    "INVALID_REQUEST": InvalidRequestError,
    "FRAME_TOO_LARGE": FrameTooLargeError,
    "NOT_ALLOWED": NotAllowedError,
    "QUEUE_FULL": QueueFullError,
    "SHUTTING_DOWN": ShuttingDownError,
    "UNSUPPORTED_VERSION": UnsupportedVersionError,
}


class DaemonUnavailableError(KafkaSidecarError, ConnectionError):
    """The daemon's socket could not be reached: nothing was sent.

    Safe to retry later; the record is certainly not in Kafka.
    """

    retriable = True
    persistence = "NOT_PERSISTED"


class ConnectionLostError(KafkaSidecarError, ConnectionError):
    """The connection died after the request was sent: outcome unknown.

    The record may or may not have reached Kafka; a retry may duplicate it.
    """

    retriable = True
    persistence = "POSSIBLY_PERSISTED"


class ProduceTimeoutError(KafkaSidecarError, TimeoutError):
    """The caller's timeout expired before the daemon answered.

    The request stays in flight; its outcome is unknown to the caller.
    """

    retriable = True
    persistence = "POSSIBLY_PERSISTED"


class ClientClosedError(KafkaSidecarError):
    """The client was closed; nothing was sent."""

    persistence = "NOT_PERSISTED"


class ProtocolError(KafkaSidecarError):
    """The daemon sent something this client does not understand."""
