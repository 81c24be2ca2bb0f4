import av, numpy as np, sys, io
from PIL import Image
def video(path, w, h, seconds, fps=8, fmt='mp4', hue=0):
    c = av.open(path, 'w', format=fmt)
    s = c.add_stream('libx264', rate=fps)
    s.width, s.height, s.pix_fmt = w, h, 'yuv420p'
    s.options = {'crf': '40', 'preset': 'veryslow'}
    for i in range(int(seconds*fps)):
        a = np.zeros((h, w, 3), dtype=np.uint8)
        a[:, :, 0] = (hue + i*8) % 256; a[:, :, 1] = np.linspace(0, 255, w, dtype=np.uint8)[None, :]; a[:, :, 2] = 128
        x = (i*4) % w; a[h//3:h//3+8, x:x+8] = 255
        for p in s.encode(av.VideoFrame.from_ndarray(a, format='rgb24')): c.mux(p)
    for p in s.encode(): c.mux(p)
    c.close()
for sec in (2, 3, 5):
    video(f'clip-{sec}s.mp4', 64, 64, sec)
video('clip-3s.mov', 64, 64, 3, fmt='mov')
video('clip-12s.mp4', 64, 64, 12)
a = np.zeros((64,64,3), dtype=np.uint8); a[:, :, 1] = 180; a[20:40, 20:40] = 255
Image.fromarray(a).save('frame.jpg', quality=70)
Image.fromarray(a).save('frame.png')
Image.fromarray(a).save('frame.webp')
Image.fromarray(a).save('frame.bmp')
