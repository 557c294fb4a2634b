"""A matplotlib backend that 'opens a window' by appending a line to the
file named by $FAKE_WINDOW_LOG, so `tools/test.py --show` runs end to end
without a screen (MPLBACKEND=module://tests.test_tools.fake_window_backend).
"""
import os

from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg


class FakeWindowManager(FigureManagerBase):

    def show(self):
        with open(os.environ['FAKE_WINDOW_LOG'], 'a') as f:
            f.write('window\n')


class FakeWindowCanvas(FigureCanvasAgg):
    manager_class = FakeWindowManager

    def start_event_loop(self, timeout=0):
        # A real window waits here for `timeout` seconds or a key.
        with open(os.environ['FAKE_WINDOW_LOG'], 'a') as f:
            f.write(f'wait {timeout}\n')


FigureCanvas = FakeWindowCanvas
FigureManager = FakeWindowManager
