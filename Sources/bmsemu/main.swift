import CANCore
print("bmsemu")
