// A real board: ST Nucleo-F401RE (STM32F401RE, Cortex-M4, 512 KB flash, 96 KB RAM), on its internal
// 16 MHz oscillator (HSI; no PLL: the node needs little speed and HSI is accurate to ~1 % at 25 °C,
// which the gateway's clock anchoring absorbs).
//
// Pin map (see ../README.md):
//   PA2  USART2 TX → gateway RX   (also the ST-LINK virtual COM port on the USB connector)
//   PA3  USART2 RX ← gateway TX
//   PA0  beam A receiver output   (Arduino A0; input with pull-up, low = beam interrupted)
//   PA1  beam B receiver output   (Arduino A1; same)
//   PA5  emitter enable / LD2     (high = emitters on; the green LED shows it)
// Watchdog: IWDG on the 32 kHz LSI, about 2 s. Parameters: the last flash sector (sector 7, 0x08060000).
#include <stdint.h>
#include <string.h>
#include "Board.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define RCC 0x40023800u
#define RCC_AHB1ENR (RCC + 0x30u)
#define RCC_APB1ENR (RCC + 0x40u)
#define RCC_CSR (RCC + 0x74u)
#define GPIOA 0x40020000u
#define USART2 0x40004400u
#define IWDG 0x40003000u
#define FLASH_R 0x40023C00u
#define SYST_CSR 0xE000E010u
#define SYST_RVR 0xE000E014u
#define SYST_CVR 0xE000E018u
#define AIRCR 0xE000ED0Cu
#define CPU_HZ 16000000u
#define STORE_ADDRESS 0x08060000u

static volatile uint32_t ticks;
#define CHANGES_SIZE 64u
static struct { uint32_t tick, levels; } changes[CHANGES_SIZE];
static volatile uint32_t changes_head, changes_tail, overruns;
static uint32_t levels_last;
static int32_t watchdog_reset;

void SysTick_Handler(void) {
    uint32_t now = ticks + 1;
    uint32_t idr = REG(GPIOA + 0x10u);
    uint32_t levels = (~idr) & 0x3u;  // active low
    if (levels != levels_last) {
        if (changes_tail - changes_head < CHANGES_SIZE) {
            uint32_t index = changes_tail % CHANGES_SIZE;
            changes[index].tick = now;
            changes[index].levels = levels;
            changes_tail++;
            levels_last = levels;
        } else {
            overruns++;
        }
    }
    ticks = now;
}

uint32_t board_ticks(void) { return ticks; }
uint32_t board_input_overruns(void) { return overruns; }
uint32_t board_late_inputs(void) { return 0; }

int32_t board_next_input_change(uint32_t until, uint32_t *tick, uint32_t *levels) {
    if (changes_head == changes_tail) return 0;
    uint32_t index = changes_head % CHANGES_SIZE;
    if ((int32_t)(changes[index].tick - until) > 0) return 0;
    *tick = changes[index].tick;
    *levels = changes[index].levels;
    changes_head++;
    return 1;
}

void board_init(void) {
    watchdog_reset = (REG(RCC_CSR) >> 29) & 1u;  // IWDGRSTF
    REG(RCC_CSR) |= 1u << 24;                     // RMVF: clear the reset flags

    REG(RCC_AHB1ENR) |= 1u << 0;   // GPIOA
    REG(RCC_APB1ENR) |= 1u << 17;  // USART2
    (void)REG(RCC_APB1ENR);

    // PA0, PA1 inputs with pull-up; PA2, PA3 alternate function 7 (USART2); PA5 output.
    uint32_t moder = REG(GPIOA + 0x00u);
    moder &= ~((3u << 0) | (3u << 2) | (3u << 4) | (3u << 6) | (3u << 10));
    moder |= (2u << 4) | (2u << 6) | (1u << 10);
    REG(GPIOA + 0x00u) = moder;
    uint32_t pupdr = REG(GPIOA + 0x0Cu);
    pupdr &= ~((3u << 0) | (3u << 2));
    pupdr |= (1u << 0) | (1u << 2);
    REG(GPIOA + 0x0Cu) = pupdr;
    uint32_t afrl = REG(GPIOA + 0x20u);
    afrl &= ~((0xFu << 8) | (0xFu << 12));
    afrl |= (7u << 8) | (7u << 12);
    REG(GPIOA + 0x20u) = afrl;
    REG(GPIOA + 0x18u) = 1u << 5;  // emitters on

    REG(USART2 + 0x08u) = (CPU_HZ + 115200u / 2) / 115200u;  // BRR, oversampling by 16
    REG(USART2 + 0x0Cu) = (1u << 13) | (1u << 5) | (1u << 3) | (1u << 2);  // UE, RXNEIE, TE, RE
    REG(0xE000E100u + 4u * (38u / 32u)) = 1u << (38u % 32u);                // NVIC: enable USART2

    REG(IWDG + 0x00u) = 0xCCCC;  // start
    REG(IWDG + 0x00u) = 0x5555;  // unlock PR/RLR
    REG(IWDG + 0x04u) = 3;       // LSI / 32 ≈ 1 kHz
    REG(IWDG + 0x08u) = 2000;    // ≈ 2 s
    REG(IWDG + 0x00u) = 0xAAAA;

    REG(SYST_RVR) = CPU_HZ / 1000u - 1;
    REG(SYST_CVR) = 0;
    REG(SYST_CSR) = 0x7;
}

// Received bytes go into a ring in the interrupt: at 115200 baud a byte arrives every 87 µs, faster
// than one pass of the main loop.
#define RX_SIZE 256u
static volatile uint8_t rx[RX_SIZE];
static volatile uint32_t rx_head, rx_tail;

void USART2_IRQHandler(void) {
    while (REG(USART2 + 0x00u) & ((1u << 5) | (1u << 3))) {  // RXNE or overrun
        uint8_t byte = (uint8_t)REG(USART2 + 0x04u);
        if (rx_tail - rx_head < RX_SIZE) rx[rx_tail++ % RX_SIZE] = byte;
    }
}

int32_t board_uart_read(void) {
    if (rx_head == rx_tail) return -1;
    return rx[rx_head++ % RX_SIZE];
}

void board_uart_write(uint8_t byte) {
    while (!(REG(USART2 + 0x00u) & (1u << 7))) {}  // TXE
    REG(USART2 + 0x04u) = byte;
}

void board_poll(void) { REG(IWDG + 0x00u) = 0xAAAA; }
void board_idle(void) { __asm volatile("wfi"); }

void board_reset(void) {
    __asm volatile("dsb");
    REG(AIRCR) = 0x05FA0004u;
    __asm volatile("dsb");
    for (;;) {}
}

int32_t board_was_watchdog_reset(void) { return watchdog_reset; }

// MARK: parameters in flash: [magic, size, checksum, data…] at the start of sector 7.

static uint32_t checksum(const uint8_t *data, uint32_t size) {
    uint32_t sum = 2166136261u;
    for (uint32_t i = 0; i < size; i++) sum = (sum ^ data[i]) * 16777619u;
    return sum;
}

int32_t board_store_load(void *data, uint32_t size) {
    const uint32_t *header = (const uint32_t *)STORE_ADDRESS;
    const uint8_t *stored = (const uint8_t *)(STORE_ADDRESS + 12u);
    if (header[0] != 0x50434E54u || header[1] != size || header[2] != checksum(stored, size)) return 0;
    memcpy(data, stored, size);
    return 1;
}

static void flash_wait(void) {
    while (REG(FLASH_R + 0x0Cu) & (1u << 16)) {}  // BSY
}

__attribute__((section(".ramfunc"), noinline)) int32_t board_store_save(const void *data, uint32_t size) {
    if (size > 1024) return 0;
    REG(FLASH_R + 0x04u) = 0x45670123u;  // KEYR
    REG(FLASH_R + 0x04u) = 0xCDEF89ABu;
    flash_wait();
    REG(FLASH_R + 0x10u) = (2u << 8) | (7u << 3) | (1u << 1);  // 32-bit, sector 7, sector erase
    REG(FLASH_R + 0x10u) |= 1u << 16;                         // start
    flash_wait();
    uint32_t header[3] = {0x50434E54u, size, checksum(data, size)};
    REG(FLASH_R + 0x10u) = (2u << 8) | 1u;  // 32-bit program
    volatile uint32_t *out = (volatile uint32_t *)STORE_ADDRESS;
    for (uint32_t i = 0; i < 3; i++) {
        out[i] = header[i];
        flash_wait();
    }
    const uint8_t *bytes = data;
    for (uint32_t i = 0; i < size; i += 4) {
        uint32_t word = 0xFFFFFFFFu;
        memcpy(&word, bytes + i, size - i < 4 ? size - i : 4);
        out[3 + i / 4] = word;
        flash_wait();
    }
    REG(FLASH_R + 0x10u) = 1u << 31;  // lock
    return 1;
}

int32_t board_temperature_dc(void) { return 250; }  // TODO on a real node: the ADC's sensor channel
uint32_t board_supply_mv(void) { return 5000; }
const char *board_name(void) { return "nucleo-f401re"; }
