from webitel_tui.simulator.cli import main

raise SystemExit(main())
