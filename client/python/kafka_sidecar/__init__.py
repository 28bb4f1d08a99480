"""kafka_sidecar: produce to Kafka through the local kafka-sidecard daemon.

    from kafka_sidecar import Client
    client = Client()            # never blocks, never fails: connects lazily
    md = client.produce("orders", b'{"id": 1}', key=b"1")
    print(md.partition, md.offset, md.timestamp)

See README.md next to this package for the asyncio client and errors.
"""

from ._protocol import (DEFAULT_SOCKET_PATH, SOCKET_ENV, BrokerHealth,
                        DaemonHealth, DaemonStatus, Record, RecordMetadata)
from .aio import AsyncClient
from .client import Client
from .errors import (ClientClosedError, ConnectionLostError,
                     DaemonUnavailableError, FrameTooLargeError,
                     InvalidRequestError, KafkaError, KafkaSidecarError,
                     NotAllowedError, ProduceError, ProduceTimeoutError,
                     ProtocolError, QueueFullError, ShuttingDownError,
                     UnsupportedVersionError)

__version__ = "0.1.0"

__all__ = [
    "AsyncClient", "Client", "DaemonStatus", "DaemonHealth", "BrokerHealth",
    "Record", "RecordMetadata",
    "DEFAULT_SOCKET_PATH", "SOCKET_ENV",
    "KafkaSidecarError", "ProduceError", "KafkaError", "InvalidRequestError",
    "FrameTooLargeError", "NotAllowedError", "QueueFullError",
    "ShuttingDownError", "UnsupportedVersionError", "DaemonUnavailableError",
    "ConnectionLostError", "ProduceTimeoutError", "ClientClosedError",
    "ProtocolError",
]
