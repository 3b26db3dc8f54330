import os
import tempfile

# Keep the closed-form cache of the test run out of the user's home.
os.environ.setdefault("INFRAMARGINAL_CACHE", os.path.join(tempfile.gettempdir(), "inframarginal-test-cache"))
