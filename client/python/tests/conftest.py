import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from kafka_sidecar.pytest_plugin import *  # noqa: E402,F401,F403
