// Decoding PNG and JPEG from memory into 8-bit interleaved pixels with Debian's libpng and
// libjpeg-turbo. Library errors come back as a message, never as an abort: libpng and libjpeg
// report fatal errors by longjmp to the decoder, which frees what it holds and returns non-zero.
// Leaves out encoding, colour management (ICC profiles, gamma) and 12-bit JPEG.
#ifndef RUNG_CIMAGECODECS_H
#define RUNG_CIMAGECODECS_H

#include <stddef.h>

/// A decoded image: `height` rows of `width` pixels of `channels` bytes (1 grey, 3 RGB), row-major.
typedef struct {
    int width;
    int height;
    int channels;
    unsigned char *pixels;  /* malloc'd; release with rung_image_free */
} rung_image;

/// Images above 100 megapixels are refused by both decoders.

/// Decodes a PNG (every bit depth and colour type; 16-bit scaled to 8, palettes expanded, alpha
/// dropped; grey stays grey). Returns 0 and fills `out`, or non-zero with a message in `error`.
int rung_png_decode(const unsigned char *data, size_t size, rung_image *out, char *error, size_t error_capacity);

/// Decodes an 8-bit JPEG (baseline or progressive; greyscale, YCbCr or RGB). A file that ends
/// before its last scan is an error. Returns 0 and fills `out`, or non-zero with a message.
int rung_jpeg_decode(const unsigned char *data, size_t size, rung_image *out, char *error, size_t error_capacity);

/// Frees the pixels of an image filled by a decoder (safe on a zeroed image).
void rung_image_free(rung_image *image);

#endif
