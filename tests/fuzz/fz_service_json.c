/* fz_service_json.c: the service loader and checker on JSON input (see fz_service.h). */
#define FZ_FORMAT NST_FORMAT_JSON
#define FZ_NAME "fuzz.json"
#include "fz_service.h"
