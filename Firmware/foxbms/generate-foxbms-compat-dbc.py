#!/usr/bin/env python3
"""Writes Firmware/foxbms/foxbms-compat.dbc: the CAN bus of a foxBMS 2 BMS master built with the `debug-can` AFE
and the Isabellenhuette IVT-S current sensor, as bmsemu's foxBMS profile speaks it.

The cell-voltage and cell-temperature messages repeat one layout 54 and 30 times (one multiplexer page per 4
voltages or 6 temperatures), so the file is generated instead of typed. Every layout below was written from the
foxBMS 2 v1.11.0 sources named next to it (read, not copied); the comments in the DBC cite them again.

Usage:
    generate-foxbms-compat-dbc.py            rewrite foxbms-compat.dbc next to this script
    generate-foxbms-compat-dbc.py --check    exit 1 if foxbms-compat.dbc differs from what this script writes
"""
import os
import sys

FOXBMS = "foxBMS 2 v1.11.0"
VOLTAGE_PAGES = 54  # 216 cell voltages, 4 per frame (foxBMS database capacity, tools/dbc/foxbms.dbc)
TEMPERATURE_PAGES = 30  # 180 cell temperatures, 6 per frame
AFE_FRAME_PERIOD_MS = 20  # bmsemu sends one 0x270 and one 0x280 frame every 20 ms (see the message comments)

# ---------------------------------------------------------------------------------------------------------------
# Signal helper: (name, start, length, signed, factor, offset, minimum, maximum, unit, receivers, mux, comment,
# values). Motorola (big-endian, @0) everywhere: foxBMS declares every message it owns CAN_BIG_ENDIAN
# (src/app/driver/config/can_cfg_rx-message-definitions.h, can_cfg_tx-cyclic-message-definitions.h) and the
# IVT-S protocol is big-endian too.
# ---------------------------------------------------------------------------------------------------------------


def sig(name, start, length, *, signed=False, factor=1, offset=0, minimum=None, maximum=None, unit="",
        receivers=("VCU",), mux=None, comment=None, values=None, counter=False):
    if minimum is None or maximum is None:
        if signed:
            low, high = -(1 << (length - 1)), (1 << (length - 1)) - 1
        else:
            low, high = 0, (1 << length) - 1
        minimum = low * factor + offset if minimum is None else minimum
        maximum = high * factor + offset if maximum is None else maximum
    return dict(name=name, start=start, length=length, signed=signed, factor=factor, offset=offset,
                minimum=minimum, maximum=maximum, unit=unit, receivers=receivers, mux=mux, comment=comment,
                values=values, counter=counter)


def flag(name, bit, comment=None, values=None, mux=None, receivers=("VCU",)):
    return sig(name, bit, 1, comment=comment, values=values, mux=mux, receivers=receivers)


ERROR = {0: "No Error", 1: "Error"}
WARNING = {0: "No Warning", 1: "Warning"}
ACTIVE = {0: "Inactive", 1: "Active"}
YES_NO = {0: "No", 1: "Yes"}
VALID = {0: "Invalid", 1: "Valid"}

MESSAGES = []


def message(identifier, name, sender, signals, comment, cycle=None, delay=None, mux_names=None):
    MESSAGES.append(dict(id=identifier, name=name, sender=sender, signals=signals, comment=comment, cycle=cycle,
                         delay=delay, mux_names=mux_names or {}, length=6 if name.startswith("IVT_Msg_Result") else 8))


# --- Vehicle -> foxBMS --------------------------------------------------------------------------------------------

message(0x210, "f_BmsStateRequest", "VCU", [
    sig("RequestBmsMode", 1, 2, receivers=("foxBMS",), values={0: "Standby", 1: "Discharge", 2: "Charge", 3: "NoRequest"},
        comment="Mode request: 0 Standby (open the strings), 1 Discharge (foxBMS BMS_REQ_ID_NORMAL), 2 Charge; 3 is "
                "read as no request (can_cbs_rx_f_bms-state-request.c, CANRX_HandleModeRequest)."),
    flag("ResetPersistentFlags", 2, receivers=("foxBMS",),
         comment="1 clears the deep-discharge flag and the recorded task-timing violations."),
    flag("IndicatePrechargeType", 3, receivers=("foxBMS",), values={0: "Internal", 1: "External"},
         comment="Declared by foxBMS but not evaluated by v1.11.0 (TODO in CANRX_BmsStateRequest)."),
    flag("ChargerConnected", 4, receivers=("foxBMS",), values=YES_NO,
         comment="Declared by foxBMS but not evaluated by v1.11.0 (TODO in CANRX_BmsStateRequest)."),
    flag("DisableInsulationMonitoring", 5, receivers=("foxBMS",),
         comment="Declared by foxBMS but not evaluated by v1.11.0 (TODO in CANRX_BmsStateRequest)."),
    flag("ActivateBalancing", 8, receivers=("foxBMS",), values={0: "Deactivate", 1: "Activate"},
         comment="1 requests global balancing enable, 0 disable (BAL_SetStateRequest)."),
    sig("SetBalancingThreshold", 23, 8, unit="mV", receivers=("foxBMS",),
        comment="Balancing threshold above the minimum cell voltage (BAL_SetBalancingThreshold)."),
], "State request to foxBMS (layout: src/app/driver/can/cbs/rx/can_cbs_rx_f_bms-state-request.c bit "
   "definitions; DLC must be 8). TIMING CONTRACT: foxBMS checks in src/app/driver/can/can.c (CAN_CheckCanTiming) "
   "that the last 0x210 is at most 105 ms old and that the last two arrived 95..105 ms apart "
   "(CAN_TIMING_LOWER/UPPER_LIMIT_COUNTS), else DIAG_ID_CAN_TIMING (fatal after 100 events). foxBMS's own "
   "tools/dbc/foxbms.dbc gives this message no GenMsgCycleTime; this file adds the 100 ms so restbus tools "
   "send it. A changed mode is taken at once, a repeated one every 3000 ms (CANRX_CAN_REQUEST_UPDATE_TIME_ms).",
   cycle=100)

# --- foxBMS outputs ----------------------------------------------------------------------------------------------

SYS_STATES = {0: "DUMMY", 1: "HAS_NEVER_RUN", 2: "UNINITIALIZED", 3: "INITIALIZATION", 4: "PRE_RUNNING", 5: "RUNNING",
              6: "ERROR"}
SYS_SUBSTATES = {
    0: "DUMMY", 1: "ENTRY", 2: "CHECK_DEEP_DISCHARGE", 3: "START_INITIALIZATION_SBC", 4: "INITIALIZE_INTERLOCK",
    5: "WAIT_INITIALIZATION_SBC", 6: "INITIALIZATION_CAN", 7: "INITIALIZATION_RTC", 8: "START_UP_BIST",
    9: "SEND_BOOT_MESSAGE", 10: "START_INITIALIZATION_BAL", 11: "WAIT_INITIALIZATION_BAL",
    12: "WAIT_INITIALIZATION_BAL_GLOBAL_ENABLE", 13: "START_FIRST_MEASUREMENT_CYCLE",
    14: "WAIT_FIRST_MEASUREMENT_CYCLE", 15: "START_CURRENT_SENSOR_PRESENCE_CHECK",
    16: "WAIT_CURRENT_SENSOR_PRESENCE_CHECK", 17: "INITIALIZATION_MISC", 18: "INITIALIZATION_IMD",
    19: "START_INITIALIZATION_BMS"}
message(0x219, "f_SystemState", "foxBMS", [
    sig("State", 0, 5, values=SYS_STATES, comment="System state machine state (src/app/engine/sys/sys.h)."),
    sig("Substate", 7, 7, values=SYS_SUBSTATES,
        comment="System state machine substate; 15/16 are the current-sensor presence check, which passes once an "
                "IVT current result (0x521) arrived within 200 ms (can.c, CAN_CheckCanTimingOfCurrentSensor)."),
], "System state (src/app/driver/can/cbs/tx-cyclic/can_cbs_tx_f_sys-state.c; new in v1.11.0). Period 100 ms "
   "(can_cfg_tx-cyclic-message-definitions.h).", cycle=100)

BMS_STATES = {0: "UNINITIALIZED", 1: "INITIALIZATION", 2: "INITIALIZED", 3: "IDLE", 4: "OPEN_CONTACTORS", 5: "STANDBY",
              6: "PRECHARGE", 7: "NORMAL", 8: "DISCHARGE", 9: "CHARGE", 10: "ERROR", 11: "UNDEFINED"}
BMS_SUBSTATES = {
    0: "ENTRY", 1: "CHECK_ERROR_FLAGS_INTERLOCK", 2: "INTERLOCK_CHECKED", 3: "CHECK_STATE_REQUESTS",
    4: "CHECK_BALANCING_REQUESTS", 5: "CHECK_ERROR_FLAGS", 6: "CHECK_CONTACTOR_NORMAL_STATE",
    7: "CHECK_CONTACTOR_CHARGE_STATE", 8: "PRECHARGE_CLOSE_MINUS", 9: "PRECHARGE_CLOSE_PRECHARGE",
    10: "PRECHARGE_CHECK_VOLTAGES", 11: "PRECHARGE_OPEN_PRECHARGE", 12: "PRECHARGE_CHECK_OPEN_PRECHARGE",
    13: "OPEN_FIRST_CONTACTOR", 14: "OPEN_SECOND_CONTACTOR_MINUS", 15: "OPEN_SECOND_CONTACTOR_PLUS",
    16: "CHECK_CLOSE_SECOND_STRING_CONTACTOR_PRECHARGE_STATE", 17: "CHECK_ERROR_FLAGS_PRECHARGE",
    18: "CHECK_ERROR_FLAGS_PRECHARGE_FIRST_STRING", 19: "PRECHARGE_CLOSE_NEXT_STRING"}
message(0x220, "f_BmsState", "foxBMS", [
    sig("NumberOfConnectedStrings", 7, 4, comment="Strings whose contactors are closed. bmsemu's contactor mirror "
        "closes the virtual pack's main contactors while this is above 0."),
    sig("BmsState", 3, 4, values=BMS_STATES, comment="BMS state machine state (src/app/application/bms/bms.h)."),
    flag("CoolingState", 15, values=ACTIVE),
    flag("HeaterState", 14, values=ACTIVE),
    flag("InsulationMonitoring", 13, values=ACTIVE),
    flag("SystemMonitoringError", 12, values=ERROR, comment="A task violated its timing."),
    flag("EmergencyShutoff", 11, values=ACTIVE, comment="foxBMS is about to open the contactors because of an error."),
    flag("GeneralError", 10, values=ERROR),
    flag("GeneralWarning", 9, values=WARNING),
    flag("ChargingComplete", 8, values={0: "Incomplete", 1: "Complete"}),
    flag("InsulationError", 23, values=ERROR),
    flag("InterlockState", 22, values={0: "Closed", 1: "Open"}),
    flag("MainFuseBlown", 21, values={0: "Fuse okay", 1: "Fuse blown"}),
    flag("BmsMasterPcbUndertemperatureErro", 20, values=ERROR, comment="(name cut to 32 characters as in foxbms.dbc)"),
    flag("BmsMasterPcbOvertemperatureError", 19, values=ERROR),
    flag("McuDieTemperatureError", 18, values=ERROR),
    flag("PrechargeCurrentError", 17, values=ERROR),
    flag("PrechargeVoltageError", 16, values=ERROR),
    flag("Clamp30cError", 30, values=ERROR),
    flag("BmsChargingFlag", 29, values=YES_NO),
    flag("NvramCrcError", 28, values=ERROR),
    flag("AlertFlag", 27, values={0: "No Alert", 1: "Alert"}),
    flag("PackOvercurrentDischargeError", 26, values=ERROR),
    flag("PackOvercurrentChargeError", 25, values=ERROR),
    flag("CanTimingError", 24, values=ERROR, comment="The 0x210 timing contract was violated (DIAG_ID_CAN_TIMING)."),
    flag("BalancingAlgorithmState", 31, values={0: "BALANCING_NOT_ALLOWED", 1: "BALANCING_ALLOWED"}),
    flag("PhyAlive", 39),
    flag("PhyLinked", 38),
    sig("BmsSubstate", 37, 6, values=BMS_SUBSTATES),
    sig("NumberOfDeactivatedStrings", 51, 4),
    sig("InsulationResistance", 63, 8, factor=200, unit="kOhm"),
], "BMS state and error summary (layout: tools/dbc/foxbms.dbc f_BmsState, filled by "
   "src/app/driver/can/cbs/tx-cyclic/can_cbs_tx_f_bms-state.c). Period 100 ms, phase 0 "
   "(can_cfg_tx-cyclic-message-definitions.h). The one-bit fields BmsChargingFlag, BalancingAlgorithmState and "
   "PhyLinked are Intel in foxbms.dbc; for one bit both byte orders name the same bit.", cycle=100)

TIMING = [("EngineTask", 0, 8), ("1msTask", 1, 9), ("10msTask", 2, 10), ("100msTask", 3, 11), ("100msAlgoTask", 4, 12)]
detail_signals = []
for task, now_bit, recorded_bit in TIMING:
    detail_signals.append(flag("TimingViolation" + task, now_bit, values=ERROR))
    recorded = ("TimingViolation" + task + "Recorded")[:32]
    detail_signals.append(flag(recorded, recorded_bit, values=ERROR))
message(0x221, "f_BmsStateDetails", "foxBMS", detail_signals,
        "Task timing violations, current and recorded (tools/dbc/foxbms.dbc f_BmsStateDetails; "
        "can_cbs_tx_f_bms-state-details.c). Period 1000 ms, phase 100. Names longer than 32 characters are cut "
        "as in foxbms.dbc.", cycle=1000)


def min_max_temperature(mux=None):
    """The sensor and module index fields shared by 0x230 and 0x241."""
    return [
        sig("SensorMinimumCellTemperature", 15, 4, mux=mux, comment="Sensor index of the coldest sensor (4-bit field)."),
        sig("SensorMaximumCellTemperature", 11, 4, mux=mux, comment="Sensor index of the hottest sensor (4-bit field)."),
        sig("ModuleMinimumCellTemperature", 23, 4, mux=mux, comment="Module index of the coldest sensor."),
        sig("ModuleMaximumCellTemperature", 19, 4, mux=mux, comment="Module index of the hottest sensor."),
    ]


message(0x230, "f_PackMinMaxCellTemperature", "foxBMS", min_max_temperature() + [
    sig("StringMinimumCellTemperature", 31, 4, comment="String index of the coldest sensor."),
    sig("StringMaximumCellTemperature", 27, 4, comment="String index of the hottest sensor."),
    sig("MinimumCellTemperature", 39, 8, signed=True, unit="degC"),
    sig("MaximumCellTemperature", 47, 8, signed=True, unit="degC"),
], "Pack minimum and maximum cell temperature (tools/dbc/foxbms.dbc; "
   "can_cbs_tx_f_pack-minimum-maximum-values.c, 1 degC steps). Period 100 ms, phase 40.", cycle=100)

message(0x231, "f_PackMinMaxCellVoltage", "foxBMS", [
    sig("MinimumCellVoltageCellIndex", 15, 4, comment="Cell index of the lowest cell (4-bit field)."),
    sig("MaximumCellVoltageCellIndex", 11, 4, comment="Cell index of the highest cell (4-bit field)."),
    sig("MinimumCellVoltageModuleIndex", 23, 4),
    sig("MaximumCellVoltageModuleIndex", 19, 4),
    sig("MinimumCellVoltageStringIndex", 31, 4),
    sig("MaximumCellVoltageStringIndex", 27, 4),
    sig("MaximumCellVoltage", 37, 14, signed=True, unit="mV"),
    sig("MinimumCellVoltage", 53, 14, signed=True, unit="mV"),
], "Pack minimum and maximum cell voltage (tools/dbc/foxbms.dbc; can_cbs_tx_f_pack-minimum-maximum-values.c). "
   "Compare with the 0x270 values bmsemu sent to see that foxBMS took them. Period 100 ms, phase 40.", cycle=100)

message(0x232, "f_PackLimits", "foxBMS", [
    sig("MaximumDischargeCurrent", 7, 12, factor=0.25, unit="A"),
    sig("MaximumChargeCurrent", 11, 12, factor=0.25, unit="A"),
    sig("MaximumDischargePower", 31, 12, factor=0.1, unit="kW"),
    sig("MaximumChargePower", 35, 12, factor=0.1, unit="kW"),
    sig("MaximumBatteryVoltage", 55, 8, factor=4, unit="V"),
    sig("MinimumBatteryVoltage", 63, 8, factor=4, unit="V"),
], "Current, power and voltage limits from SOF (tools/dbc/foxbms.dbc; can_cbs_tx_f_pack-limits.c). Period 100 ms, "
   "phase 30.", cycle=100)

message(0x233, "f_PackValuesP0", "foxBMS", [
    sig("BatteryVoltage", 7, 15, signed=True, factor=0.1, unit="V"),
    sig("BusVoltage", 8, 15, signed=True, factor=0.1, unit="V"),
    sig("Power", 25, 17, signed=True, factor=0.01, unit="kW"),
    sig("Current", 40, 17, signed=True, factor=0.01, unit="A",
        comment="Pack current as foxBMS sees it (sign per BS_POSITIVE_DISCHARGE_CURRENT)."),
], "Pack voltage, HV bus voltage, power and current (tools/dbc/foxbms.dbc; can_cbs_tx_f_pack-values-p0.c). "
   "Period 100 ms, phase 60.", cycle=100)

message(0x234, "f_PackValuesP1", "foxBMS", [
    sig("InsulationResistance", 7, 13, factor=7, unit="kOhm"),
], "Latest insulation resistance (tools/dbc/foxbms.dbc; can_cbs_tx_f_pack-values-p1.c). Period 100 ms, phase 60.",
   cycle=100)

message(0x235, "f_PackStateEstimation", "foxBMS", [
    sig("MinimumSoc", 7, 10, factor=0.1, unit="%"),
    sig("MaximumSoc", 13, 10, factor=0.1, unit="%"),
    sig("MinimumSoe", 19, 10, factor=0.1, unit="%"),
    sig("MaximumSoe", 25, 10, factor=0.1, unit="%"),
    sig("Soh", 47, 8, factor=0.5, unit="%", comment="foxBMS has no SOH algorithm (soh_debug/soh_none)."),
    sig("Energy", 55, 16, factor=0.1, unit="kWh"),
], "SOC, SOE, SOH and remaining energy of the connected strings (tools/dbc/foxbms.dbc; "
   "can_cbs_tx_f_pack-state-estimation.c). Period 1000 ms, phase 50.", cycle=1000)

STRING_MUX = {0: "String0"}
string_state_flags = [
    ("DeepDischargeError", 7, ERROR), ("IsStringFuseBlown", 6, YES_NO), ("IsBalancingActive", 5, YES_NO),
    ("IsStringConnected", 4, YES_NO),
    ("UndervoltageMslError", 15, ERROR), ("OvervoltageMslError", 14, ERROR),
    ("CellOvercurrentDischargeMslError", 13, ERROR), ("CellOvercurrentChargeMslError", 12, ERROR),
    ("UndertemperatureDischargeMslErro", 11, ERROR), ("OvertemperatureDischargeMslError", 10, ERROR),
    ("UndertemperatureChargeMslError", 9, ERROR), ("OvertemperatureChargeMslError", 8, ERROR),
    ("UndervoltageMolWarning", 23, WARNING), ("OvervoltageMolWarning", 22, WARNING),
    ("CellOvercurrentDischargeMolWarni", 21, WARNING), ("CellOvercurrentChargeMolWarning", 20, WARNING),
    ("UndertemperatureDischargeMolWarn", 19, WARNING), ("OvertemperatureDischargeMolWarni", 18, WARNING),
    ("UndertemperatureChargeMolWarning", 17, WARNING), ("OvertemperatureChargeMolWarning", 16, WARNING),
    ("UndervoltageRslWarning", 31, WARNING), ("OvervoltageRslWarning", 30, WARNING),
    ("CellOvercurrentDischargeRslWarni", 29, WARNING), ("CellOvercurrentChargeRslWarning", 28, WARNING),
    ("UndertemperatureDischargeRslWarn", 27, WARNING), ("OvertemperatureDischargeRslWarni", 26, WARNING),
    ("UndertemperatureChargeRslWarning", 25, WARNING), ("OvertemperatureChargeRslWarning", 24, WARNING),
    ("DaisyChainBaseVoltMeasOorError", 39, ERROR), ("DaisyChainBaseCrcError", 37, ERROR),
    ("DaisyChainBaseCommunicationError", 35, ERROR), ("SlaveHardwareError", 34, ERROR),
    ("NegativeContactorError", 33, ERROR), ("PositiveContactorError", 32, ERROR),
    ("FusedStringVoltageMeasurementErr", 47, ERROR), ("StringVoltageMeasurementError", 46, ERROR),
    ("EnergyCountingMeasurementError", 45, ERROR), ("CoulombCountingMeasurementError", 44, ERROR),
    ("StringCurrentMeasurementError", 43, ERROR), ("DaisyChainBaseTempMeasOorError", 41, ERROR),
    ("VoltageSpreadPlausibilityError", 55, ERROR), ("TemperatureSpreadPlausibilityErr", 54, ERROR),
    ("StringVoltagePlausibilityError", 53, ERROR), ("CellVoltagePlausibilityError", 52, ERROR),
    ("CellTemperaturePlausibilityError", 51, ERROR), ("OpenWireError", 49, ERROR),
    ("PackVoltageMeasurementError", 48, ERROR), ("StringOvercurrentError", 63, ERROR),
]
message(0x240, "f_StringState", "foxBMS",
        [sig("f_StringState_Mux", 3, 4, mux="M")]
        + [flag(name, bit, values=values, mux=0) for name, bit, values in string_state_flags],
        "Per-string error and warning flags, multiplexed by string (tools/dbc/foxbms.dbc f_StringState; "
        "can_cbs_tx_f_string-state.c). OpenWireError and the MSL/RSL/MOL flags show how foxBMS judged the values "
        "bmsemu sent. Period 100 ms, phase 70.", cycle=100, mux_names={"f_StringState_Mux": STRING_MUX})

message(0x241, "f_StringMinMaxCellTemperature", "foxBMS", [
    sig("f_StringMinMaxCellTemperature_Mux", 3, 4, mux="M"),
] + min_max_temperature(mux=0) + [
    sig("MaximumCellTemperature", 31, 8, signed=True, factor=0.5, unit="degC", mux=0),
    sig("MinimumCellTemperature", 39, 8, signed=True, factor=0.5, unit="degC", mux=0),
], "Per-string minimum and maximum temperature, 0.5 degC steps (tools/dbc/foxbms.dbc; "
   "can_cbs_tx_f_string-minimum-maximum-values.c). Period 100 ms, phase 90.", cycle=100,
    mux_names={"f_StringMinMaxCellTemperature_Mux": STRING_MUX})

message(0x242, "f_StringMinMaxCellVoltage", "foxBMS", [
    sig("f_StringMinMaxCellVoltage_Mux", 3, 4, mux="M"),
    sig("SensorMinimumCellVoltage", 15, 4, mux=0), sig("SensorMaximumCellVoltage", 11, 4, mux=0),
    sig("ModuleMinimumCellVoltage", 23, 4, mux=0), sig("ModuleMaximumCellVoltage", 19, 4, mux=0),
    sig("MaximumCellVoltage", 31, 14, signed=True, unit="mV", mux=0),
    sig("MinimumCellVoltage", 33, 14, signed=True, unit="mV", mux=0),
], "Per-string minimum and maximum cell voltage (tools/dbc/foxbms.dbc; can_cbs_tx_f_string-minimum-maximum-values.c). "
   "Period 100 ms, phase 90.", cycle=100, mux_names={"f_StringMinMaxCellVoltage_Mux": STRING_MUX})

message(0x243, "f_StringValuesP0", "foxBMS", [
    sig("f_StringValuesP0_Mux", 7, 3, mux="M"),
    sig("Voltage", 4, 18, signed=True, factor=0.01, unit="V", mux=0),
    sig("Current", 18, 18, signed=True, factor=0.01, unit="A", mux=0),
    sig("Power", 32, 18, signed=True, factor=0.01, unit="kW", mux=0),
], "Per-string voltage, current and power (tools/dbc/foxbms.dbc; can_cbs_tx_f_string-values-p0.c). Period 100 ms, "
   "phase 80.", cycle=100, mux_names={"f_StringValuesP0_Mux": STRING_MUX})

message(0x244, "f_StringValuesP1", "foxBMS", [
    sig("f_StringValuesP1_Mux", 7, 4, mux="M"),
    sig("EnergyCounter", 15, 32, signed=True, unit="Wh", mux=0),
], "Per-string energy counter (tools/dbc/foxbms.dbc; can_cbs_tx_f_string-values-p1.c). Period 100 ms, phase 10.",
   cycle=100, mux_names={"f_StringValuesP1_Mux": STRING_MUX})

message(0x245, "f_StringStateEstimation", "foxBMS", [
    sig("f_StringStateEstimation_Mux", 7, 4, mux="M"),
    sig("MinimumSoc", 3, 9, factor=0.2, unit="%", mux=0),
    sig("MaximumSoc", 10, 9, factor=0.2, unit="%", mux=0),
    sig("MinimumSoe", 17, 9, factor=0.2, unit="%", mux=0),
    sig("MaximumSoe", 24, 9, factor=0.2, unit="%", mux=0),
    sig("Soh", 47, 9, factor=0.2, unit="%", mux=0),
    sig("Energy", 54, 15, factor=0.01, unit="kWh", mux=0),
], "Per-string SOC, SOE, SOH and energy (tools/dbc/foxbms.dbc; can_cbs_tx_f_string-state-estimation.c). "
   "Period 1000 ms, phase 0.", cycle=1000, mux_names={"f_StringStateEstimation_Mux": STRING_MUX})

# --- Cell voltages and temperatures: AFE -> foxBMS (0x270, 0x280) and foxBMS's own copies (0x250, 0x260) ----------

VOLTAGE_STARTS = [11, 30, 33, 52]  # 13-bit values
VOLTAGE_FLAG_BITS = [12, 13, 14, 15]
TEMPERATURE_STARTS = [23, 31, 39, 47, 55, 63]  # int8 values
TEMPERATURE_FLAG_BITS = [8, 9, 10, 11, 12, 13]


def voltage_signals(mux_name, receivers):
    signals = [sig(mux_name, 7, 8, mux="M", maximum=VOLTAGE_PAGES - 1, receivers=receivers)]
    for page in range(VOLTAGE_PAGES):
        for slot in range(4):
            cell = 4 * page + slot
            signals.append(flag("CellVoltage_%03d_invalidFlag" % cell, VOLTAGE_FLAG_BITS[slot], values=VALID, mux=page,
                                receivers=receivers))
            signals.append(sig("CellVoltage_%03d" % cell, VOLTAGE_STARTS[slot], 13, unit="mV", mux=page,
                               receivers=receivers))
    return signals


def temperature_signals(mux_name, receivers):
    signals = [sig(mux_name, 7, 8, mux="M", maximum=TEMPERATURE_PAGES - 1, receivers=receivers)]
    for page in range(TEMPERATURE_PAGES):
        for slot in range(6):
            sensor = 6 * page + slot
            signals.append(flag("CellTemperature_%03d_invalidFlag" % sensor, TEMPERATURE_FLAG_BITS[slot], values=VALID,
                                mux=page, receivers=receivers))
            signals.append(sig("CellTemperature_%03d" % sensor, TEMPERATURE_STARTS[slot], 8, signed=True, unit="degC",
                               mux=page, receivers=receivers))
    return signals


VOLTAGE_PAGE_NAMES = {p: "CellVoltages_%03d_%03d" % (4 * p, 4 * p + 3) for p in range(VOLTAGE_PAGES)}
TEMPERATURE_PAGE_NAMES = {p: "CellTemperatures_%03d_%03d" % (6 * p, 6 * p + 5) for p in range(TEMPERATURE_PAGES)}
INDEXING = ("foxBMS numbers cell blocks and sensors linearly: string-major, then module, then position in the module "
            "(src/app/driver/afe/debug/can/debug_can.c, DECAN_ConvertIndexForVoltage/ForTemperature).")
VALIDITY = ("The *_invalidFlag bits carry VALIDITY despite their name: 1 = valid, 0 = invalid (debug_can.c compares "
            "them with DECAN_DATA_IS_VALID = 1; the tx callbacks write 1 for a valid value; foxbms.dbc names 0 "
            "Invalid and 1 Valid).")

message(0x250, "f_CellVoltages", "foxBMS", voltage_signals("f_CellVoltages_Mux", ("VCU",)),
        "Cell voltages as foxBMS holds them, 4 per frame (src/app/driver/can/cbs/tx-cyclic/can_cbs_tx_f_cell-voltages.c; "
        "same layout as 0x270). foxBMS sends one frame every 100 ms (phase 10) and only the pages its "
        "BS_NR_OF_CELL_BLOCKS needs; the cycle time here is the full 54-page cycle. " + VALIDITY, cycle=100 * VOLTAGE_PAGES,
        mux_names={"f_CellVoltages_Mux": VOLTAGE_PAGE_NAMES})
message(0x260, "f_CellTemperatures", "foxBMS", temperature_signals("f_CellTemperatures_Mux", ("VCU",)),
        "Cell temperatures as foxBMS holds them, 6 per frame in 1 degC (can_cbs_tx_f_cell-temperatures.c divides the "
        "0.1 degC database value by 10). foxBMS sends one frame every 200 ms (phase 20, "
        "can_cfg_tx-cyclic-message-definitions.h), so the full 30-page cycle is 6000 ms (foxbms.dbc states 4500). "
        + VALIDITY, cycle=200 * TEMPERATURE_PAGES, mux_names={"f_CellTemperatures_Mux": TEMPERATURE_PAGE_NAMES})
message(0x270, "AFE_CellVoltages", "AFE", voltage_signals("AFE_CellVoltages_Mux", ("foxBMS",)),
        "Cell voltages for the foxBMS debug-can AFE driver (layout: src/app/driver/can/cbs/rx/can_cbs_rx_afe_cell-voltages.c; "
        "13-bit unsigned mV). Page k carries cell blocks 4k..4k+3. " + INDEXING + " " + VALIDITY + " foxBMS reads "
        "the frames into a queue of 5 (ftask.h FTSK_CAN2AFE_CELL_VOLTAGES_QUEUE_LENGTH) that its AFE task drains one "
        "frame per 10 ms (DECAN_TriggerAfe), so a sender must stay below 100 frames/s; bmsemu sends one frame every "
        "%d ms, cycling through the pages its topology uses (the cycle time here is the full 54-page cycle). Any "
        "frame refreshes foxBMS's cell-voltage timestamp, which the redundancy module requires within 250 ms "
        "(MRC_AFE_MEASUREMENT_PERIOD_TIMEOUT_ms)." % AFE_FRAME_PERIOD_MS,
        cycle=AFE_FRAME_PERIOD_MS * VOLTAGE_PAGES, mux_names={"AFE_CellVoltages_Mux": VOLTAGE_PAGE_NAMES})
message(0x280, "AFE_CellTemperatures", "AFE", temperature_signals("AFE_CellTemperatures_Mux", ("foxBMS",)),
        "Cell temperatures for the foxBMS debug-can AFE driver (layout: src/app/driver/can/cbs/rx/can_cbs_rx_afe_cell-temperatures.c; "
        "signed 8-bit degC, stored as value x 10 in 0.1 degC; negative values need foxBMS v1.11.0 or later, which "
        "fixed their conversion). Page k carries sensors 6k..6k+5. " + INDEXING + " " + VALIDITY + " Queue and "
        "drain rate as for 0x270; bmsemu sends one frame every %d ms." % AFE_FRAME_PERIOD_MS,
        cycle=AFE_FRAME_PERIOD_MS * TEMPERATURE_PAGES, mux_names={"AFE_CellTemperatures_Mux": TEMPERATURE_PAGE_NAMES})

# --- Isabellenhuette IVT-S (identical to the IVT part of Firmware/bms.dbc) ---------------------------------------

message(0x411, "IVT_Msg_Cmd", "VCU", [
    sig("IVT_ID_Cmd", 7, 8, mux="M", receivers=("IVT",)),
    sig("IVT_Cmd_ResultMode", 9, 2, maximum=2, mux=(32, 39), receivers=("IVT",)),
    sig("IVT_Cmd_ResultCycleTime", 23, 16, maximum=60000, unit="ms", mux=(32, 39), receivers=("IVT",)),
    sig("IVT_Cmd_ResetItems", 15, 8, maximum=3, mux=48, receivers=("IVT",)),
    sig("IVT_Cmd_TriggerMask", 15, 8, mux=49, receivers=("IVT",)),
    sig("IVT_Cmd_RunMode", 15, 8, maximum=1, mux=52, receivers=("IVT",)),
], "IVT-S commands (the subset bmsemu's sensor answers: result mode and cycle 0x20..0x27, reset counters 0x30, "
   "trigger 0x31, run/stop 0x34). foxBMS 2 v1.11.0 sends none: it uses the sensor in cyclic mode and only listens "
   "(its CURRENT_SENSOR_ISABELLENHUETTE_TRIGGERED branch in sys.c has no sender); bench hosts may configure the "
   "sensor with these. Event driven.", delay=100)
message(0x511, "IVT_Msg_Response", "IVT", [
    sig("IVT_ID_Response", 7, 8, mux="M"),
    sig("IVT_Rsp_ResultMode", 9, 2, maximum=2, mux=(160, 167)),
    sig("IVT_Rsp_ResultCycleTime", 23, 16, maximum=60000, unit="ms", mux=(160, 167)),
    sig("IVT_Rsp_ResetItems", 15, 8, maximum=3, mux=176),
    sig("IVT_Rsp_RunMode", 15, 8, maximum=1, mux=180),
    sig("IVT_Rsp_RejectedCommand", 15, 8, mux=255),
], "IVT-S responses: multiplexer = command | 0x80, 0xFF = wrong command (byte 1 echoes it). Event driven, at least "
   "100 ms apart.", delay=100)

IVT_RESULTS = [("I", 0x521, "mA", 1, 10, "Current (sign per the sensor's mounting: bmsemu's foxBMS profile "
                "reports discharge positive to match BS_POSITIVE_DISCHARGE_CURRENT = true)."),
               ("U1", 0x522, "mV", 1, 20, "Voltage 1: the string voltage before the contactors (foxBMS's "
                "DATA_BLOCK_SYSTEM_VOLTAGE_1, checked against the sum of the cell voltages within 3000 mV)."),
               ("U2", 0x523, "mV", 1, 20, "Voltage 2: DC-link voltage after the contactors."),
               ("U3", 0x524, "mV", 1, 100, "Voltage 3: voltage behind the precharge path (foxBMS's HV bus voltage)."),
               ("T", 0x525, "degC", 0.1, 500, "Shunt temperature, 0.1 degC."),
               ("W", 0x526, "W", 1, 100, "Power."),
               ("As", 0x527, "As", 1, 100, "Coulomb counter (foxBMS initialises SOC counting from it when present)."),
               ("Wh", 0x528, "Wh", 1, 100, "Energy counter.")]
for index, (suffix, identifier, unit, factor, cycle, meaning) in enumerate(IVT_RESULTS):
    message(identifier, "IVT_Msg_Result_" + suffix, "IVT", [
        sig("IVT_ID_Result_" + suffix, 7, 8, minimum=index, maximum=index, receivers=("foxBMS",),
            comment="Result identifier, always 0x%02X." % index),
        sig("IVT_MsgCount_Result_" + suffix, 11, 4, receivers=("foxBMS",), counter=True,
            comment="4-bit message counter, +1 per frame (foxBMS does not check it)."),
        flag("IVT_Result_%s_OCS" % suffix, 12, receivers=("foxBMS",), comment="Over-current switch threshold exceeded."),
        flag("IVT_Result_%s_Channel_Error" % suffix, 13, receivers=("foxBMS",)),
        flag("IVT_Result_%s_Measurement_Error" % suffix, 14, receivers=("foxBMS",)),
        flag("IVT_Result_%s_System_Error" % suffix, 15, receivers=("foxBMS",)),
        sig("IVT_Result_" + suffix, 23, 32, signed=True, factor=factor, unit=unit, receivers=("foxBMS",), comment=meaning),
    ], "IVT-S result %s (Motorola: result id in byte 0, counter and status bits in byte 1, signed 32-bit value in "
       "bytes 2..5; DLC 6). foxBMS reads it in src/app/driver/can/cbs/rx/can_cbs_rx_cs_isabellenhuette-ivt-s.c as "
       "%s (foxbms.dbc name CS_IsabellenhuetteIvtString0%s); a set channel, measurement or system error bit marks "
       "the value invalid. Cyclic every %d ms." % (suffix, "string 0", ["Curr", "V1", "V2", "V3", "Temp", "Pwr", "Cc",
                                                                      "Ec"][index], cycle), cycle=cycle)

NODES = [
    ("foxBMS", "The foxBMS 2 BMS master under test (CAN1, 500 kbit/s)."),
    ("AFE", "bmsemu's CAN AFE: the cell-monitoring boards' readings re-encoded for the debug-can AFE driver."),
    ("IVT", "bmsemu's emulated Isabellenhuette IVT-S current sensor (string 0)."),
    ("VCU", "Vehicle or bench host: sends the 0x210 state request, reads the foxBMS outputs."),
]


# ---------------------------------------------------------------------------------------------------------------


def number(value):
    """Shortest text of a number; products like 2147483647 * 0.1 are rounded to 6 decimals first."""
    value = round(float(value), 6)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def render():
    out = []
    add = out.append
    add('VERSION "bmsemu foxBMS-2 compat 1.0"')
    add("")
    add("")
    add("NS_ :")
    for keyword in ["NS_DESC_", "CM_", "BA_DEF_", "BA_", "VAL_", "BA_DEF_DEF_", "SIG_VALTYPE_", "SG_MUL_VAL_"]:
        add("\t" + keyword)
    add("")
    add("BS_:")
    add("")
    add("BU_: " + " ".join(name for name, _ in NODES))
    add("")
    for m in MESSAGES:
        add("")
        add("BO_ %d %s: %d %s" % (m["id"], m["name"], m["length"], m["sender"]))
        for s in m["signals"]:
            if s["mux"] == "M":
                indicator = " M"
            elif isinstance(s["mux"], tuple):
                indicator = " m%d" % s["mux"][0]
            elif s["mux"] is not None:
                indicator = " m%d" % s["mux"]
            else:
                indicator = ""
            add(' SG_ %s%s : %d|%d@0%s (%s,%s) [%s|%s] "%s" %s' % (
                s["name"], indicator, s["start"], s["length"], "-" if s["signed"] else "+", number(s["factor"]),
                number(s["offset"]), number(s["minimum"]), number(s["maximum"]), s["unit"], ",".join(s["receivers"])))
    add("")
    add("")
    add('CM_ "bmsemu foxBMS 2 compatibility bus: what a foxBMS 2 BMS master built with the debug-can AFE and the '
        'Isabellenhuette IVT-S current sensor (variant freertos_debug-can_..._isabellenhuette-ivt-s_...) consumes, '
        'plus the foxBMS outputs a bench user decodes. Written for bmsemu from the %s sources (cited per message; '
        'layouts read, not copied). 500 kbit/s classic CAN on the foxBMS CAN1 connector, 11-bit identifiers, Motorola '
        '(big-endian) byte order throughout. Multiplexed messages: GenMsgCycleTime is the full page cycle. '
        'Generated by Firmware/foxbms/generate-foxbms-compat-dbc.py.";' % FOXBMS)
    for name, text in NODES:
        add('CM_ BU_ %s "%s";' % (name, text))
    for m in MESSAGES:
        add('CM_ BO_ %d "%s";' % (m["id"], m["comment"]))
        for s in m["signals"]:
            if s["comment"]:
                add('CM_ SG_ %d %s "%s";' % (m["id"], s["name"], s["comment"]))
    add('BA_DEF_ "BusType" STRING ;')
    add('BA_DEF_ "DBName" STRING ;')
    add('BA_DEF_ "Baudrate" INT 1000 1000000;')
    add('BA_DEF_ BO_ "GenMsgCycleTime" INT 0 65535;')
    add('BA_DEF_ BO_ "GenMsgSendType" ENUM "Cyclic","Spontaneous","CyclicIfActive","NoMsgSendType";')
    add('BA_DEF_ BO_ "GenMsgDelayTime" INT 0 65535;')
    add('BA_DEF_ SG_ "SigType" ENUM "Default","Range","RangeSigned","ASCII","Discrete","Control","ReferencePGN",'
        '"DTC","StringDelimiter","StringLength","StringLengthControl","MessageCounter","MessageChecksum";')
    add('BA_DEF_DEF_ "BusType" "CAN";')
    add('BA_DEF_DEF_ "DBName" "";')
    add('BA_DEF_DEF_ "Baudrate" 500000;')
    add('BA_DEF_DEF_ "GenMsgCycleTime" 0;')
    add('BA_DEF_DEF_ "GenMsgSendType" "Cyclic";')
    add('BA_DEF_DEF_ "GenMsgDelayTime" 0;')
    add('BA_DEF_DEF_ "SigType" "Default";')
    add('BA_ "BusType" "CAN";')
    add('BA_ "DBName" "foxbms_compat";')
    add('BA_ "Baudrate" 500000;')
    for m in MESSAGES:
        if m["cycle"] is not None:
            add('BA_ "GenMsgCycleTime" BO_ %d %d;' % (m["id"], m["cycle"]))
        else:
            add('BA_ "GenMsgSendType" BO_ %d 1;' % m["id"])
            add('BA_ "GenMsgDelayTime" BO_ %d %d;' % (m["id"], m["delay"]))
    for m in MESSAGES:
        for s in m["signals"]:
            if s["counter"]:
                add('BA_ "SigType" SG_ %d %s 11;' % (m["id"], s["name"]))
    for m in MESSAGES:
        for s in m["signals"]:
            values = s["values"] or m["mux_names"].get(s["name"])
            if values:
                pairs = " ".join('%d "%s"' % (raw, text) for raw, text in sorted(values.items(), reverse=True))
                add("VAL_ %d %s %s ;" % (m["id"], s["name"], pairs))
    for m in MESSAGES:
        multiplexer = next((s["name"] for s in m["signals"] if s["mux"] == "M"), None)
        for s in m["signals"]:
            if isinstance(s["mux"], tuple):
                add("SG_MUL_VAL_ %d %s %s %d-%d;" % (m["id"], s["name"], multiplexer, s["mux"][0], s["mux"][1]))
    return "\n".join(out) + "\n"


def main(arguments):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "foxbms-compat.dbc")
    text = render()
    if arguments == ["--check"]:
        with open(path, encoding="utf-8") as existing:
            if existing.read() != text:
                print("%s is not what %s writes; regenerate it" % (path, os.path.basename(__file__)))
                return 1
        return 0
    if arguments:
        print(__doc__)
        return 2
    with open(path, "w", encoding="utf-8") as output:
        output.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
