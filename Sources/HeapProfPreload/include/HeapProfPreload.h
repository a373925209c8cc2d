/* HeapProfPreload exports only libc symbols (the malloc family); it has no API of its own. */
