import sys

from ._serve import main

sys.exit(main())
