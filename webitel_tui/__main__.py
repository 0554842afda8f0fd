from webitel_tui.cli import main

raise SystemExit(main())
