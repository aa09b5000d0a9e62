// PNG and JPEG decoding through libpng and libjpeg-turbo, with their fatal errors turned into
// messages (setjmp/longjmp) so a damaged file never ends the process.
// Leaves out encoding, ICC profiles and gamma correction: pixels are returned as stored.
#include "CImageCodecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <jpeglib.h>
#include <jerror.h>

/* Larger images are refused before their pixels are allocated (a damaged or hostile header could
   otherwise ask for gigabytes). */
#define RUNG_MAX_PIXELS ((size_t)100 * 1000 * 1000)

static void set_error(char *error, size_t capacity, const char *message) {
    if (error && capacity > 0) snprintf(error, capacity, "%s", message);
}

void rung_image_free(rung_image *image) {
    if (image && image->pixels) { free(image->pixels); image->pixels = NULL; }
}

/* ---------- PNG ---------- */

typedef struct {
    const unsigned char *data;
    size_t size, offset;
    char message[256];
} png_source;

static void png_read_memory(png_structp png, png_bytep out, size_t length) {
    png_source *src = (png_source *)png_get_io_ptr(png);
    if (src->size - src->offset < length) {
        snprintf(src->message, sizeof src->message,
                 "truncated: the file ends after %zu bytes, inside the PNG data", src->size);
        png_longjmp(png, 1);
    }
    memcpy(out, src->data + src->offset, length);
    src->offset += length;
}

static void png_fail(png_structp png, png_const_charp message) {
    png_source *src = (png_source *)png_get_error_ptr(png);
    snprintf(src->message, sizeof src->message, "%s", message);
    png_longjmp(png, 1);
}

static void png_ignore_warning(png_structp png, png_const_charp message) { (void)png; (void)message; }

int rung_png_decode(const unsigned char *data, size_t size, rung_image *out, char *error, size_t error_capacity) {
    memset(out, 0, sizeof *out);
    png_source src = { data, size, 0, "" };
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, png_fail, png_ignore_warning);
    if (!png) { set_error(error, error_capacity, "libpng could not allocate a decoder"); return 1; }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        set_error(error, error_capacity, "libpng could not allocate a decoder");
        return 1;
    }
    /* Locals changed after setjmp and read after longjmp must be volatile. */
    unsigned char *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        set_error(error, error_capacity, src.message[0] ? src.message : "libpng failed without a message");
        return 1;
    }
    png_set_read_fn(png, &src, png_read_memory);
    png_read_info(png, info);
    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    int color = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);

    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16) png_set_scale_16(png);
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    if ((size_t)width * height > RUNG_MAX_PIXELS) {
        snprintf(src.message, sizeof src.message, "%u×%u pixels exceed the limit of 100 megapixels",
                 (unsigned)width, (unsigned)height);
        png_longjmp(png, 1);
    }
    int channels = png_get_channels(png, info);
    if (png_get_bit_depth(png, info) != 8 || (channels != 1 && channels != 3)) {
        snprintf(src.message, sizeof src.message,
                 "colour type %d at %d bits gives %d channels of %d bits; accepted: grey, grey+alpha, RGB, RGBA or palette at 1, 2, 4, 8 or 16 bits",
                 color, depth, channels, png_get_bit_depth(png, info));
        png_longjmp(png, 1);
    }
    size_t stride = (size_t)width * (size_t)channels;
    pixels = malloc(stride * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) {
        snprintf(src.message, sizeof src.message, "out of memory for %u×%u pixels", (unsigned)width, (unsigned)height);
        png_longjmp(png, 1);
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + y * stride;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    out->width = (int)width;
    out->height = (int)height;
    out->channels = channels;
    out->pixels = pixels;
    return 0;
}

/* ---------- JPEG ---------- */

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX + 64];
} jpeg_failure;

static void jpeg_fail(j_common_ptr cinfo) {
    jpeg_failure *f = (jpeg_failure *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    f->base.format_message(cinfo, text);
    snprintf(f->message, sizeof f->message, "%s", text);
    longjmp(f->jump, 1);
}

/* Warnings are ignored except the one libjpeg gives when the data stops early: it would pad the
   rest of the image with grey, so that becomes an error naming truncation. */
static void jpeg_message(j_common_ptr cinfo, int level) {
    jpeg_failure *f = (jpeg_failure *)cinfo->err;
    if (level < 0 && f->base.msg_code == JWRN_JPEG_EOF) {
        snprintf(f->message, sizeof f->message, "truncated: the file ends before the end of its JPEG image data");
        longjmp(f->jump, 1);
    }
}

int rung_jpeg_decode(const unsigned char *data, size_t size, rung_image *out, char *error, size_t error_capacity) {
    memset(out, 0, sizeof *out);
    struct jpeg_decompress_struct cinfo;
    jpeg_failure failure;
    memset(&failure, 0, sizeof failure);
    cinfo.err = jpeg_std_error(&failure.base);
    failure.base.error_exit = jpeg_fail;
    failure.base.emit_message = jpeg_message;
    unsigned char *volatile pixels = NULL;
    if (setjmp(failure.jump)) {
        free(pixels);
        jpeg_destroy_decompress(&cinfo);
        set_error(error, error_capacity, failure.message[0] ? failure.message : "libjpeg failed without a message");
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.data_precision != 8) {
        snprintf(failure.message, sizeof failure.message,
                 "%d-bit samples are not supported; accepted: 8-bit JPEG", cinfo.data_precision);
        longjmp(failure.jump, 1);
    }
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo.out_color_space = JCS_GRAYSCALE; break;
    case JCS_YCbCr: case JCS_RGB: cinfo.out_color_space = JCS_RGB; break;
    default:
        snprintf(failure.message, sizeof failure.message,
                 "colour space %d (CMYK or YCCK) is not supported; accepted: greyscale, YCbCr or RGB JPEG",
                 (int)cinfo.jpeg_color_space);
        longjmp(failure.jump, 1);
    }
    if ((size_t)cinfo.image_width * cinfo.image_height > RUNG_MAX_PIXELS) {
        snprintf(failure.message, sizeof failure.message, "%u×%u pixels exceed the limit of 100 megapixels",
                 cinfo.image_width, cinfo.image_height);
        longjmp(failure.jump, 1);
    }
    jpeg_start_decompress(&cinfo);
    int channels = cinfo.output_components;
    size_t stride = (size_t)cinfo.output_width * (size_t)channels;
    pixels = malloc(stride * cinfo.output_height);
    if (!pixels) {
        snprintf(failure.message, sizeof failure.message, "out of memory for %u×%u pixels",
                 cinfo.output_width, cinfo.output_height);
        longjmp(failure.jump, 1);
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + (size_t)cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    out->width = (int)cinfo.output_width;
    out->height = (int)cinfo.output_height;
    out->channels = channels;
    out->pixels = pixels;
    jpeg_destroy_decompress(&cinfo);
    return 0;
}
