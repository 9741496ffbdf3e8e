# Answers every datagram on the given port with the backend's name (argv[2]).
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("", int(sys.argv[1])))
answer = (sys.argv[2] + "\n").encode()
while True:
    _, sender = s.recvfrom(512)
    s.sendto(answer, sender)
