/* fz_service_xml.c: the service loader and checker on XML input (see fz_service.h). */
#define FZ_FORMAT NST_FORMAT_XML
#define FZ_NAME "fuzz.xml"
#include "fz_service.h"
