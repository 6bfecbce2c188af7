import sys

from news_pipeline.cli import main

sys.exit(main())
