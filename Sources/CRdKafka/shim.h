// Exposes librdkafka and its mock cluster to Swift. Only EddyKafka imports this module.
#ifndef EDDY_CRDKAFKA_SHIM_H
#define EDDY_CRDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#endif
