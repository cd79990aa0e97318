import sys

from voltvault_core.cli import main

sys.exit(main())
