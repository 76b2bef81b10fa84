/*
 * engine.h - the run: read messages, verify them, write one JSON line each.
 */
#ifndef AS_ENGINE_H
#define AS_ENGINE_H
#endif
