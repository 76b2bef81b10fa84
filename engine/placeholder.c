#include "engine.h"
int eng_placeholder_(void);
int eng_placeholder_(void) { return 0; }
