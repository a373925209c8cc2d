#include "HeapProfRuntime.h"
