package dev.flinkalbert.model.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Line charts of training curves drawn headless with Java 2D, written as PNG: one panel per named series, x the
 * step, y the value (linear, from the series' own minimum to maximum).
 */
public final class TrainingCurves {

    private static final int PANEL_WIDTH = 640;
    private static final int PANEL_HEIGHT = 260;
    private static final int MARGIN = 48;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0x9467bd)};

    private TrainingCurves() {}

    /** One series: (step, value) points in step order. */
    public record Series(String name, List<double[]> points) {}

    /** Writes one panel per entry (title → series drawn together) into a PNG. */
    public static void write(Path png, Map<String, List<Series>> panels) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(PANEL_WIDTH, Math.max(1, panels.size()) * PANEL_HEIGHT,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            int top = 0;
            for (Map.Entry<String, List<Series>> panel : panels.entrySet()) {
                drawPanel(g, top, panel.getKey(), panel.getValue());
                top += PANEL_HEIGHT;
            }
        } finally {
            g.dispose();
        }
        ImageIO.write(image, "png", png.toFile());
    }

    private static void drawPanel(Graphics2D g, int top, String title, List<Series> series) {
        double minX = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        double maxY = -Double.MAX_VALUE;
        for (Series s : series) {
            for (double[] p : s.points()) {
                if (Double.isFinite(p[1])) {
                    minX = Math.min(minX, p[0]);
                    maxX = Math.max(maxX, p[0]);
                    minY = Math.min(minY, p[1]);
                    maxY = Math.max(maxY, p[1]);
                }
            }
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.setColor(Color.BLACK);
        g.drawString(title, MARGIN, top + 20);
        int left = MARGIN;
        int right = PANEL_WIDTH - 16;
        int bottom = top + PANEL_HEIGHT - 30;
        int upper = top + 30;
        g.setColor(Color.GRAY);
        g.drawRect(left, upper, right - left, bottom - upper);
        if (minX > maxX) {
            g.drawString("no data", left + 10, upper + 20);
            return;
        }
        if (maxX == minX) {
            maxX = minX + 1;
        }
        if (maxY == minY) {
            maxY = minY + 1e-9;
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.drawString(String.format("%.4g", maxY), 2, upper + 10);
        g.drawString(String.format("%.4g", minY), 2, bottom);
        g.drawString(String.format("step %.0f", minX), left, bottom + 14);
        String last = String.format("step %.0f", maxX);
        g.drawString(last, right - g.getFontMetrics().stringWidth(last), bottom + 14);
        int legend = left + 8;
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            g.setColor(COLORS[i % COLORS.length]);
            g.setStroke(new BasicStroke(1.5f));
            Path2D.Double line = new Path2D.Double();
            boolean started = false;
            for (double[] p : s.points()) {
                if (!Double.isFinite(p[1])) {
                    continue;
                }
                double x = left + (p[0] - minX) / (maxX - minX) * (right - left);
                double y = bottom - (p[1] - minY) / (maxY - minY) * (bottom - upper);
                if (started) {
                    line.lineTo(x, y);
                } else {
                    line.moveTo(x, y);
                    started = true;
                }
            }
            g.draw(line);
            g.drawString(s.name(), legend, upper + 14);
            legend += g.getFontMetrics().stringWidth(s.name()) + 16;
        }
    }
}
