// The QEMU board: `qemu-system-arm -M mps2-an386` (Arm MPS2 with a Cortex-M4, 25 MHz).
//
// - Gateway link: CMSDK UART0 (0x40004000), QEMU's first `-serial`.
// - Beam inputs: QEMU emulates no GPIO on this board, so the beams are driven through a test port,
//   CMSDK UART1 (0x40005000, QEMU's second `-serial`), as a schedule of lines `<tick>,<levels>\n`
//   (levels: bit 0 beam A interrupted, bit 1 beam B). The tick interrupt applies each entry at exactly
//   its tick, so what the firmware samples is known to the millisecond whatever the host's timing; an
//   entry that arrives after its tick is applied at once and counted as late. A line `!hang\n` stops
//   the main loop, so the watchdog must reset the node (the test of the watchdog flag).
// - Watchdog: CMSDK APB watchdog (0x40008000), reset after two timeouts of 1 s.
// - Parameter store and reset cause: RAM outside the linked image, which QEMU keeps across a system
//   reset, so `W` survives `X` and a watchdog reset (not a power cycle: a fresh QEMU starts blank).
#include <stdint.h>
#include <string.h>
#include "Board.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define UART0 0x40004000u
#define UART1 0x40005000u
#define UART_DATA 0x00u
#define UART_STATE 0x04u
#define UART_CTRL 0x08u
#define UART_BAUDDIV 0x10u
#define WDOG 0x40008000u
#define SYST_CSR 0xE000E010u
#define SYST_RVR 0xE000E014u
#define SYST_CVR 0xE000E018u
#define AIRCR 0xE000ED0Cu
#define CPU_HZ 25000000u

// MARK: the tick and the sampled inputs

static volatile uint32_t ticks;
#define SCHEDULE_SIZE 64u
static struct { uint32_t tick, levels; } schedule[SCHEDULE_SIZE];
static volatile uint32_t schedule_head, schedule_tail;  // tail written by the main loop, head by the tick
static uint32_t levels_now;
static volatile uint32_t late_inputs;

#define CHANGES_SIZE 64u
static struct { uint32_t tick, levels; } changes[CHANGES_SIZE];
static volatile uint32_t changes_head, changes_tail;  // tail written by the tick, head by the main loop
static volatile uint32_t overruns;
static uint32_t levels_last;

void SysTick_Handler(void) {
    uint32_t now = ticks + 1;
    while (schedule_head != schedule_tail) {
        uint32_t index = schedule_head % SCHEDULE_SIZE;
        if ((int32_t)(schedule[index].tick - now) > 0) break;
        if (schedule[index].tick != now) late_inputs++;
        levels_now = schedule[index].levels;
        schedule_head++;
    }
    if (levels_now != levels_last) {
        if (changes_tail - changes_head < CHANGES_SIZE) {
            uint32_t index = changes_tail % CHANGES_SIZE;
            changes[index].tick = now;
            changes[index].levels = levels_now;
            changes_tail++;
            levels_last = levels_now;
        } else {
            overruns++;
        }
    }
    ticks = now;
}

uint32_t board_ticks(void) { return ticks; }
uint32_t board_input_overruns(void) { return overruns; }
uint32_t board_late_inputs(void) { return late_inputs; }

int32_t board_next_input_change(uint32_t until, uint32_t *tick, uint32_t *levels) {
    if (changes_head == changes_tail) return 0;
    uint32_t index = changes_head % CHANGES_SIZE;
    if ((int32_t)(changes[index].tick - until) > 0) return 0;
    *tick = changes[index].tick;
    *levels = changes[index].levels;
    changes_head++;
    return 1;
}

// MARK: UARTs

static void uart_init(uint32_t base) {
    REG(base + UART_BAUDDIV) = CPU_HZ / 115200u;
    REG(base + UART_CTRL) = 0x3;  // TX and RX enabled
}

int32_t board_uart_read(void) {
    if (!(REG(UART0 + UART_STATE) & 0x2)) return -1;
    return (int32_t)(REG(UART0 + UART_DATA) & 0xFF);
}

void board_uart_write(uint8_t byte) {
    while (REG(UART0 + UART_STATE) & 0x1) {}
    REG(UART0 + UART_DATA) = byte;
}

// MARK: the test port

static char line[24];
static uint32_t line_length;
static volatile int hang;

static void test_port_line(void) {
    line[line_length] = 0;
    if (strcmp(line, "!hang") == 0) {
        hang = 1;
        return;
    }
    uint32_t tick = 0, levels = 0, i = 0;
    while (line[i] >= '0' && line[i] <= '9') tick = tick * 10 + (uint32_t)(line[i++] - '0');
    if (i == 0 || line[i++] != ',') return;
    if (line[i] < '0' || line[i] > '3' || line[i + 1] != 0) return;
    levels = (uint32_t)(line[i] - '0');
    uint32_t index = schedule_tail % SCHEDULE_SIZE;
    schedule[index].tick = tick;
    schedule[index].levels = levels;
    schedule_tail++;
}

static void test_port_poll(void) {
    // Read only while there is room: QEMU then holds the rest of the schedule in its socket.
    while (schedule_tail - schedule_head < SCHEDULE_SIZE && (REG(UART1 + UART_STATE) & 0x2)) {
        char c = (char)(REG(UART1 + UART_DATA) & 0xFF);
        if (c == '\n') {
            test_port_line();
            line_length = 0;
        } else if (line_length < sizeof line - 1) {
            line[line_length++] = c;
        }
    }
}

// MARK: reset, watchdog, store

// Above the 64 KB the firmware is linked into, but RAM on QEMU's MPS2 (4 MB): not part of the ELF image,
// so neither the startup code nor QEMU's reset (which reloads the image) clears it.
struct persistent {
    uint32_t running_marker, soft_reset_marker;
    uint32_t store_magic, store_size, store_crc;
    uint8_t store_data[128];
};
#define PERSISTENT ((volatile struct persistent *)0x20010000u)
#define RUNNING_MAGIC 0x52554E21u     // set while running
#define SOFT_RESET_MAGIC 0x53465421u  // set just before a deliberate reset
#define running_marker (PERSISTENT->running_marker)
#define soft_reset_marker (PERSISTENT->soft_reset_marker)
#define store_magic (PERSISTENT->store_magic)
#define store_size (PERSISTENT->store_size)
#define store_crc (PERSISTENT->store_crc)
#define store_data ((uint8_t *)PERSISTENT->store_data)
#define STORE_CAPACITY 128u
static int32_t watchdog_reset;

static uint32_t checksum(const uint8_t *data, uint32_t size) {
    uint32_t sum = 2166136261u;
    for (uint32_t i = 0; i < size; i++) sum = (sum ^ data[i]) * 16777619u;
    return sum;
}

void board_init(void) {
    // A run that was going and did not end in a deliberate reset was ended by the watchdog.
    watchdog_reset = running_marker == RUNNING_MAGIC && soft_reset_marker != SOFT_RESET_MAGIC;
    running_marker = RUNNING_MAGIC;
    soft_reset_marker = 0;

    uart_init(UART0);
    uart_init(UART1);

    REG(WDOG + 0xC00) = 0x1ACCE551;  // unlock
    REG(WDOG + 0x00) = CPU_HZ;       // 1 s to the interrupt, 1 s more to the reset
    REG(WDOG + 0x08) = 0x3;          // interrupt and reset enabled
    REG(WDOG + 0xC00) = 0;

    REG(SYST_RVR) = CPU_HZ / 1000u - 1;
    REG(SYST_CVR) = 0;
    REG(SYST_CSR) = 0x7;  // processor clock, interrupt, enabled
}

void board_poll(void) {
    while (hang) {}
    REG(WDOG + 0xC00) = 0x1ACCE551;
    REG(WDOG + 0x0C) = 1;  // clear the interrupt and reload
    REG(WDOG + 0xC00) = 0;
    test_port_poll();
}

void board_idle(void) { __asm volatile("wfi"); }

void board_reset(void) {
    soft_reset_marker = SOFT_RESET_MAGIC;
    __asm volatile("dsb");
    REG(AIRCR) = 0x05FA0004u;
    __asm volatile("dsb");
    for (;;) {}
}

int32_t board_was_watchdog_reset(void) { return watchdog_reset; }

int32_t board_store_load(void *data, uint32_t size) {
    if (store_magic != 0x50434E54u || store_size != size || size > STORE_CAPACITY) return 0;
    if (store_crc != checksum(store_data, size)) return 0;
    memcpy(data, store_data, size);
    return 1;
}

int32_t board_store_save(const void *data, uint32_t size) {
    if (size > STORE_CAPACITY) return 0;
    memcpy(store_data, data, size);
    store_size = size;
    store_crc = checksum(store_data, size);
    store_magic = 0x50434E54u;
    return 1;
}

int32_t board_temperature_dc(void) { return 250; }
uint32_t board_supply_mv(void) { return 5000; }
const char *board_name(void) { return "qemu-mps2-an386"; }
