// The board layer: everything the firmware needs from a microcontroller board, as a handful of C
// functions. One implementation per board (Board/qemu-mps2-an386.c, Board/nucleo-f401re.c) and the
// common startup and runtime support (Board/Runtime.c). The firmware proper (Node/*.swift) sees only
// this header.
#ifndef PASSANT_BOARD_H
#define PASSANT_BOARD_H

#include <stdint.h>

/// Sets up clocks, the gateway UART, the beam inputs, the 1 kHz tick and the watchdog.
void board_init(void);

/// Milliseconds since boot; advanced by the tick interrupt, which samples the beams first.
uint32_t board_ticks(void);

/// The next byte from the gateway, or -1 when none is waiting.
int32_t board_uart_read(void);

/// Sends one byte to the gateway (waits while the transmitter is full).
void board_uart_write(uint8_t byte);

/// The oldest beam sample not yet taken whose levels differ from the one before it, if its tick is at
/// or before `until`: levels bit 0 = beam A interrupted, bit 1 = beam B interrupted. Returns 0 when
/// there is none. Samples are taken every millisecond in the tick interrupt, so the ticks are exact.
int32_t board_next_input_change(uint32_t until, uint32_t *tick, uint32_t *levels);

/// Sampled level changes lost because the firmware did not take them in time (ring full).
uint32_t board_input_overruns(void);

/// Housekeeping between two passes of the main loop: kicks the watchdog, and on the QEMU board reads
/// the input schedule from its test port. Then sleeps until the next interrupt.
void board_poll(void);
void board_idle(void);

/// Reboots the node now.
void board_reset(void) __attribute__((noreturn));

/// Whether the previous run ended in a watchdog reset.
int32_t board_was_watchdog_reset(void);

/// Parameter storage: `board_store_load` fills `data` and returns 1 when a valid record was saved
/// before, 0 otherwise; `board_store_save` writes one (1 on success).
int32_t board_store_load(void *data, uint32_t size);
int32_t board_store_save(const void *data, uint32_t size);

/// Board temperature in 0.1 °C and supply in mV (the QEMU board reports fixed values).
int32_t board_temperature_dc(void);
uint32_t board_supply_mv(void);

/// Heap use through posix_memalign/free, counted in Runtime.c: allocations ever made, and live now.
uint32_t board_heap_allocations(void);
uint32_t board_heap_live(void);

/// The board's name, for documentation and the `board` diagnostic.
const char *board_name(void);

/// Inputs applied later than scheduled (QEMU test port only; 0 elsewhere).
uint32_t board_late_inputs(void);

#endif
