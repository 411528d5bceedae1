// Startup and runtime support shared by every board: the vector table, the reset handler (copy .data,
// zero .bss, enable the FPU, run the firmware), the heap behind Swift's allocations (counted, so the
// firmware can prove it allocates nothing in the steady state) and the few C symbols Embedded Swift needs.
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <reent.h>
#include "Board.h"

// newlib-nano's allocator, beneath the counting wrappers below.
void *_memalign_r(struct _reent *, size_t, size_t);
void _free_r(struct _reent *, void *);

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack, _heap_start, _heap_end;
extern void firmware_main(void);  // Node/Main.swift
void SysTick_Handler(void);       // in the board file

static void reset_handler(void);
static void fault_handler(void) {
    board_reset();
}
// The only NMI source enabled on these boards is the watchdog's early warning (MPS2 wires the CMSDK
// watchdog's interrupt to NMI): wait for the watchdog's reset, so the next boot knows what happened.
static void nmi_handler(void) {
    for (;;) {}
}

// Device interrupts a board may use; the others are never enabled.
static void unused_irq(void) {}
void USART2_IRQHandler(void) __attribute__((weak, alias("unused_irq")));  // STM32F4 IRQ 38

__attribute__((section(".vectors"), used)) const void *const vector_table[16 + 64] = {
    &_estack, reset_handler, nmi_handler, fault_handler, fault_handler, fault_handler, fault_handler, 0,
    0, 0, 0, fault_handler, fault_handler, 0, fault_handler, SysTick_Handler,
    [16 + 38] = USART2_IRQHandler,
};

static void reset_handler(void) {
    uint32_t *src = &_sidata;
    for (uint32_t *dst = &_sdata; dst < &_edata;) *dst++ = *src++;
    for (uint32_t *dst = &_sbss; dst < &_ebss;) *dst++ = 0;
    // CP10/CP11 full access: Swift for armv7em may use the FPU.
    *(volatile uint32_t *)0xE000ED88 |= (0xFu << 20);
    __asm volatile("dsb; isb");
    firmware_main();
    board_reset();
}

// MARK: heap

static char *heap_top = (char *)&_heap_start;

void *_sbrk(ptrdiff_t increment) {
    char *previous = heap_top;
    if (heap_top + increment > (char *)&_heap_end) return (void *)-1;
    heap_top += increment;
    return previous;
}

static volatile uint32_t heap_allocations, heap_live;

uint32_t board_heap_allocations(void) { return heap_allocations; }
uint32_t board_heap_live(void) { return heap_live; }

// Swift's runtime allocates through posix_memalign and releases through free.
int posix_memalign(void **memptr, size_t alignment, size_t size) {
    if (alignment < sizeof(void *)) alignment = sizeof(void *);
    void *p = _memalign_r(_REENT, alignment, size);
    if (!p) return 12;  // ENOMEM
    heap_allocations++;
    heap_live++;
    *memptr = p;
    return 0;
}

void free(void *p) {
    if (!p) return;
    heap_live--;
    _free_r(_REENT, p);
}

void *malloc(size_t size) {
    void *p = 0;
    return posix_memalign(&p, 8, size) == 0 ? p : 0;
}

// Hash seeding for Swift's Set/Dictionary: the firmware needs no secret, only some bytes.
void arc4random_buf(void *buf, size_t n) {
    static uint32_t state = 0x9E3779B9u;
    uint8_t *bytes = buf;
    for (size_t i = 0; i < n; i++) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        bytes[i] = (uint8_t)state;
    }
}

int putchar(int c) {
    board_uart_write((uint8_t)c);
    return c;
}
